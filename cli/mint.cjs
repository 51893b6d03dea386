#!/usr/bin/env node
// `npx mint` in a checkout (after npm ci): runs the TypeScript source through tsx.
// The SDK's notice that its 2027 releases need Node.js 22 is in the README; not on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('./main.ts').runCli();
