#!/usr/bin/env node
// `npx mint-agent` in a checkout: runs the TypeScript source through tsx. Containers and other
// machines run the standalone bundle instead: `npm run build:agent` writes dist/mint-agent.cjs.
require('tsx/cjs');
const { main } = require('./cli.ts');
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`mint-agent failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
