#!/usr/bin/env node
// `npx mint-agent` in a checkout: runs the TypeScript source through tsx. Containers and other
// machines run the standalone bundle instead (dist/mint-agent.cjs, built by npm ci or build:agent).
require('tsx/cjs');
require('./cli.ts').runCli();
