import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * lint/no-type-assertions.grit, run by `npx biome check .`, keeps `as` casts out of lambdas/. These
 * tests run the project's own biome.json, so they prove both what the rule reports and where it applies.
 */
const ROOT = join(__dirname, '..', '..');
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');
const FIXTURE = readFileSync(join(ROOT, 'test', 'fixtures', 'type-assertions.ts'), 'utf8');

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string; start: { line: number } };
}

function pluginFindings(cwd: string, paths: string[]): Diagnostic[] {
  const run = spawnSync(BIOME, ['lint', '--reporter=json', '--max-diagnostics=none', ...paths], {
    cwd,
    encoding: 'utf8',
  });
  const report: { diagnostics: Diagnostic[] } = JSON.parse(run.stdout);
  return report.diagnostics.filter((d) => d.category === 'plugin');
}

/** A project holding only the real biome.json (its plugin path made absolute) and the fixture in two places. */
function projectWithFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mint-no-casts-'));
  const config = readFileSync(join(ROOT, 'biome.json'), 'utf8')
    .replace(/"\$schema": "[^"]*",/, '')
    .replace(
      '"./lint/no-type-assertions.grit"',
      JSON.stringify(join(ROOT, 'lint', 'no-type-assertions.grit')),
    );
  writeFileSync(join(dir, 'biome.json'), config);
  for (const folder of ['lambdas/core', 'lib']) {
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, 'fixture.ts'), FIXTURE);
  }
  return dir;
}

const markedLines = FIXTURE.split('\n').flatMap((line, i) => (line.endsWith('// flagged') ? [i + 1] : []));

describe('no type assertions in lambdas/ (lint/no-type-assertions.grit)', () => {
  let dir: string;
  beforeAll(() => {
    dir = projectWithFixture();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports every cast, by file and line, and accepts `as const`, `satisfies` and renamed imports', () => {
    const findings = pluginFindings(dir, ['.']).filter((d) => d.location.path.startsWith('lambdas/'));
    const lines = [...new Set(findings.map((d) => d.location.start.line))].sort((a, b) => a - b);
    expect(markedLines).toHaveLength(5);
    expect(lines).toEqual(markedLines);
    expect(findings.every((d) => d.location.path === 'lambdas/core/fixture.ts')).toBe(true);
    expect(findings[0]?.message).toMatch(/zod schema.*type guard/);
  });

  it('applies only under lambdas/', () => {
    expect(pluginFindings(dir, ['lib'])).toEqual([]);
  });

  it('finds no cast in lambdas/core and lambdas/adapters', () => {
    const findings = pluginFindings(ROOT, ['lambdas/core', 'lambdas/adapters']);
    expect(findings.map((d) => `${d.location.path}:${d.location.start.line}`)).toEqual([]);
  });
});
