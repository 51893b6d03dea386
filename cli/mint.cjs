#!/usr/bin/env node
// `npx mint` in a checkout (after npm ci): runs the TypeScript source through tsx.
require('tsx/cjs');
require('./main.ts').runCli();
