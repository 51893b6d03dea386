// Builds the installable packages (packages/agent: @mint/agent, packages/owner: @mint/owner) and the
// standalone agent. Run by `npm ci` (prepare), `npm run build:agent`, and each package's prepack.
//
// - Each package gets dist/index.cjs with its dependencies left as `require`s (the installing project
//   resolves and dedupes them), and .d.ts files emitted by tsc from its src/ alone, so a package never
//   refers to a file outside itself.
// - dist/mint-agent.cjs at the repository root is the agent with everything bundled (the AWS SDK and
//   zod included): one file that runs with plain Node.js 20+, for containers.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// typescript's exports map does not list its bin, so find it beside its package.json.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', legalComments: 'none' };

async function buildPackage(name, entries) {
  const dir = join(root, 'packages', name);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  for (const [source, output, banner] of entries) {
    await build({
      ...common,
      packages: 'external',
      entryPoints: [join(dir, 'src', source)],
      outfile: join(dir, 'dist', output),
      ...(banner ? { banner: { js: banner } } : {}),
    });
  }
  execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
}

await buildPackage('agent', [
  ['index.ts', 'index.cjs'],
  ['cli.ts', 'cli.cjs', '#!/usr/bin/env node'],
]);
await buildPackage('owner', [['index.ts', 'index.cjs']]);
await build({
  ...common,
  minify: true,
  entryPoints: [join(root, 'packages/agent/src/cli.ts')],
  outfile: join(root, 'dist/mint-agent.cjs'),
  banner: { js: '#!/usr/bin/env node' },
});
