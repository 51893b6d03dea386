#!/usr/bin/env node
// `npx mint-agent` in a checkout: runs the TypeScript source through tsx. Containers and other
// machines run the standalone bundle instead (dist/mint-agent.cjs, built by npm ci or build:agent),
// or the mint-agent of an installed @mint/agent (dist/cli.cjs). Not part of the package.
require('tsx/cjs');
require('./src/cli.ts').runCli();
