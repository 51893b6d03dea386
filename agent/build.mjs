// Bundles the agent into files that run with plain Node.js 20+ (the AWS SDK included), for
// containers and for use as a dependency without a TypeScript loader.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
};
await build({
  ...common,
  entryPoints: ['agent/cli.ts'],
  outfile: 'dist/mint-agent.cjs',
  banner: { js: '#!/usr/bin/env node' },
});
await build({ ...common, entryPoints: ['agent/index.ts'], outfile: 'dist/agent.cjs' });
