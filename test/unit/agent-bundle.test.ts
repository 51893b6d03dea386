import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('npm run build:agent', () => {
  it('builds a mint-agent that runs with plain Node and a library bundle', () => {
    const build = spawnSync(process.execPath, ['agent/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    const help = spawnSync(process.execPath, ['dist/mint-agent.cjs', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mint-agent --bucket BUCKET --app APP_ID/);
    const usage = spawnSync(process.execPath, ['dist/mint-agent.cjs'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(usage.status).toBe(2);
    const library = spawnSync(
      process.execPath,
      [
        '-e',
        "const a=require('./dist/agent.cjs');process.stdout.write(typeof a.CredentialsWatcher+' '+typeof a.loadCredentials)",
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(library.stdout).toBe('function function');
  });
});
