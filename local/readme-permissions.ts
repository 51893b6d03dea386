import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOperatorPolicy, renderPermissionsMarkdown } from '../lib/permissions-readme';

/**
 * The README's "Permissions" tables and the operator policy are rendered from `lib/permissions.ts` and
 * `operatorPolicy`, the sources of the deployed grants. `npm run permissions` rewrites them in place;
 * a test fails when they differ.
 */
export const README = join(__dirname, '..', 'README.md');
const BLOCKS = {
  functions: renderPermissionsMarkdown,
  operator: () => `\`\`\`json\n${renderOperatorPolicy()}\n\`\`\``,
};

export function renderReadme(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(BLOCKS)) {
    const start = `<!-- permissions:${name}:start -->`;
    const end = `<!-- permissions:${name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
    out = `${out.slice(0, from + start.length)}\n${render()}\n${out.slice(to)}`;
  }
  return out;
}

if (require.main === module) {
  writeFileSync(README, renderReadme(readFileSync(README, 'utf8')));
  process.stdout.write('README.md: permission tables rendered from lib/permissions.ts\n');
}
