import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { AgentUsageError, parseAgentArgs, runAgent } from '../../packages/agent/src/cli';
import { credentialFiles, writeCredentialFiles, writeFileAtomic } from '../../packages/agent/src/files';

const doc = (n: number, key = n) => ({
  application_username: 'orders',
  application_password: `pw-${n}-not-real`,
  client_id: `AKIA${key}`,
  client_secret: `secret-${key}-not-real`,
});

describe('writeCredentialFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mint-agent-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the document and the berry-style halves, readable by the owner only', async () => {
    expect(await writeCredentialFiles(dir, doc(1))).toEqual(['credentials.json', 'user.json', 'client.json']);
    expect(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'))).toEqual(doc(1));
    expect(JSON.parse(readFileSync(join(dir, 'user.json'), 'utf8'))).toEqual({
      application_username: 'orders',
      application_password: 'pw-1-not-real',
    });
    expect(JSON.parse(readFileSync(join(dir, 'client.json'), 'utf8'))).toEqual({
      client_id: 'AKIA1',
      client_secret: 'secret-1-not-real',
    });
    for (const name of ['credentials.json', 'user.json', 'client.json']) {
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    }
  });

  it('writes only files whose content changed', async () => {
    await writeCredentialFiles(dir, doc(1));
    const before = statSync(join(dir, 'client.json')).ino;
    expect(await writeCredentialFiles(dir, doc(1))).toEqual([]);
    // A new password with the same key: client.json stays the same file.
    expect(await writeCredentialFiles(dir, doc(2, 1))).toEqual(['credentials.json', 'user.json']);
    expect(statSync(join(dir, 'client.json')).ino).toBe(before);
  });

  it('never lets a reader see a partly written file', async () => {
    const target = join(dir, 'credentials.json');
    const contents = [1, 2].map((n) => credentialFiles(doc(n))['credentials.json'] ?? '');
    // Large enough that a non-atomic write would be observed half done.
    const big = contents.map((c) => c.replace('pw-', `pw-${'x'.repeat(200_000)}-`));
    await writeFileAtomic(dir, 'credentials.json', big[0] ?? '');
    const expected = join(dir, 'expected.json');
    writeFileSync(expected, JSON.stringify(big));
    const reader = spawn(process.execPath, [
      '-e',
      `const fs=require('fs');const ok=new Set(JSON.parse(fs.readFileSync(${JSON.stringify(expected)},'utf8')));let reads=0,bad=0;const end=Date.now()+1500;` +
        `while(Date.now()<end){const t=fs.readFileSync(${JSON.stringify(target)},'utf8');reads++;if(!ok.has(t))bad++;}` +
        `process.stdout.write(JSON.stringify({reads,bad}))`,
    ]);
    let out = '';
    reader.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const done = new Promise<void>((resolve) => reader.on('close', () => resolve()));
    let writes = 0;
    const stopAt = Date.now() + 1200;
    while (Date.now() < stopAt) {
      await writeFileAtomic(dir, 'credentials.json', big[writes % 2] ?? '');
      writes++;
    }
    await done;
    const { reads, bad } = JSON.parse(out) as { reads: number; bad: number };
    expect(writes).toBeGreaterThan(10);
    expect(reads).toBeGreaterThan(10);
    expect(bad).toBe(0);
  });
});

describe('runAgent --once', () => {
  const s3 = mockClient(S3Client);
  const sts = mockClient(STSClient);
  let dir: string;
  const lines: string[] = [];
  const io = {
    log: (l: string) => lines.push(l),
    error: (l: string) => lines.push(`ERR ${l}`),
    stopSignal: new Promise<void>(() => {}),
  };
  const args = () => ({
    bucket: 'b',
    appId: 'orders',
    dir,
    intervalMs: 120_000,
    once: true,
    quiet: false,
    help: false,
  });
  beforeEach(() => {
    s3.reset();
    sts.reset();
    lines.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'mint-agent-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 after writing the files, logging the key id but no secret', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: { transformToString: async () => JSON.stringify(doc(1)) } as never,
      ETag: '"e"',
    });
    expect(await runAgent(args(), io)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'))).toEqual(doc(1));
    expect(lines.join('\n')).toMatch(
      /wrote credentials.json, user.json, client.json .* \(access key AKIA1\)/,
    );
    expect(lines.join('\n')).not.toMatch(/not-real/);
  });

  it('exits 1 with the reason on 403, leaving the directory as it was', async () => {
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::2:assumed-role/r/s' });
    expect(await runAgent(args(), io)).toBe(1);
    expect(lines.join('\n')).toMatch(/ERR mint-agent: access denied .* as arn:aws:sts::2:assumed-role\/r\/s/);
  });

  it('never replaces a good file with a malformed download', async () => {
    writeFileSync(join(dir, 'credentials.json'), credentialFiles(doc(1))['credentials.json'] ?? '');
    s3.on(GetObjectCommand).resolves({
      Body: { transformToString: async () => '{"client_id":' } as never,
      ETag: '"x"',
    });
    expect(await runAgent(args(), io)).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'))).toEqual(doc(1));
    expect(lines.join('\n')).toMatch(/ERR mint-agent: .* is not JSON/);
  });
});

describe('parseAgentArgs', () => {
  it('reads flags, or the environment when a flag is absent', () => {
    expect(
      parseAgentArgs(['--bucket', 'b', '--app', 'orders', '--interval', '30', '--once', '/run/mint'], {}),
    ).toMatchObject({
      bucket: 'b',
      appId: 'orders',
      dir: '/run/mint',
      intervalMs: 30_000,
      once: true,
    });
    expect(
      parseAgentArgs([], {
        MINT_BUCKET: 'b',
        MINT_APP_ID: 'orders',
        MINT_AGENT_DIR: '/d',
        AWS_REGION: 'eu-west-1',
        MINT_AGENT_INTERVAL: '60',
      }),
    ).toMatchObject({
      bucket: 'b',
      appId: 'orders',
      dir: '/d',
      region: 'eu-west-1',
      intervalMs: 60_000,
      once: false,
    });
  });

  it.each([
    [[], /missing --bucket \(or MINT_BUCKET\), --app \(or MINT_APP_ID\), DIR \(or MINT_AGENT_DIR\)/],
    [
      ['--bucket', 'b', '--app', 'a', '--interval', '1', 'd'],
      /--interval 1: expected seconds from 5 to 86400/,
    ],
    [['--bucket', 'b', '--app', 'a', 'd1', 'd2'], /one DIR expected, got 2/],
    [['--bucket'], /argument missing|Option '--bucket <value>'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseAgentArgs(argv, {})).toThrow(AgentUsageError);
    expect(() => parseAgentArgs(argv, {})).toThrow(message);
  });
});
