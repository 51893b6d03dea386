import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalMint, startLocalMint } from '../../local/local-mint';
import { runAgent } from '../../packages/agent/src/cli';
import { MotoChecks } from '../support/moto-checks';

const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The agent reading what a Mint cycle published, from moto over HTTP. */
describe('mint-agent against a Mint cycle on moto', () => {
  let mint: LocalMint;
  let check: MotoChecks;
  let dir: string;
  beforeAll(async () => {
    mint = await startLocalMint({ apps: [{ id: 'orders', team_id: 't', name: 'Orders', active: true }] });
    check = new MotoChecks(mint.endpoint, mint.bucket);
    expect((await mint.cycle()).status).toBe('SUCCEEDED');
  });
  afterAll(() => mint?.stop());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mint-agent-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const args = (appId: string) => ({
    bucket: mint.bucket,
    appId,
    dir,
    intervalMs: 5000,
    once: true,
    quiet: true,
    help: false,
  });
  const io = (lines: string[]) => ({
    log: (l: string) => lines.push(l),
    error: (l: string) => lines.push(l),
    stopSignal: new Promise<void>(() => {}),
  });

  it('--once writes the published document', async () => {
    const lines: string[] = [];
    expect(await runAgent(args('orders'), io(lines))).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'))).toEqual(
      await check.published('orders'),
    );
  });

  it('--once exits 1 for an app Mint has not published', async () => {
    const lines: string[] = [];
    expect(await runAgent(args('unknown-app'), io(lines))).toBe(1);
    expect(lines.join('\n')).toMatch(/unknown-app\/credentials.json does not exist/);
  });

  it('keeps the files fresh across a rotation and stops cleanly on SIGTERM', async () => {
    const agent = spawn(
      join(ROOT, 'packages', 'agent', 'mint-agent.cjs'),
      ['--bucket', mint.bucket, '--app', 'orders', '--interval', '5', dir],
      { cwd: ROOT, env: { ...process.env } },
    );
    let output = '';
    agent.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    agent.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => agent.on('close', (code) => resolve(code)));
    const file = join(dir, 'credentials.json');
    const read = () =>
      existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : undefined;
    const secretsSeen: string[] = [];
    try {
      for (let i = 0; i < 100 && !read(); i++) await sleep(100);
      const before = read();
      expect(before?.client_id).toBe((await check.published('orders'))?.client_id);

      expect((await mint.cycle({ apps: ['orders'], force: true })).status).toBe('SUCCEEDED');
      const after = await check.published('orders');
      expect(after?.client_id).not.toBe(before?.client_id);
      for (let i = 0; i < 100 && read()?.client_id !== after?.client_id; i++) await sleep(100);
      // Compared field by field, so a failure never prints a secret.
      expect(read()?.client_id).toBe(after?.client_id);
      expect(read()?.application_password === after?.application_password).toBe(true);
      for (const doc of [before, after])
        secretsSeen.push(doc?.application_password ?? '', doc?.client_secret ?? '');
    } finally {
      agent.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toMatch(/mint-agent: stopped/);
    // The agent's own output names key ids, never a password or secret it handled.
    expect(secretsSeen.filter((secret) => secret && output.includes(secret)).length).toBe(0);
    expect(output).not.toMatch(/application_password|client_secret/);
  });
});
