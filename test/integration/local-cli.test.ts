import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKioStub } from '../../local/kio-stub';
import { ROOT, runProcess } from '../support/processes';

/** Runs `npm run local` the way a user does (through tsx), in its own process. */
function runLocal(args: string[], env: Record<string, string> = {}) {
  return runProcess(join(ROOT, 'node_modules', '.bin', 'tsx'), ['local/cli.ts', ...args], {
    ...process.env,
    AWS_ENDPOINT_URL: '',
    KIO_URL: '',
    ...env,
  });
}

describe('npm run local', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mint-local-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs cycles with its own moto and Kio stub, prints a summary and writes no secret', async () => {
    const apps = join(dir, 'apps.json');
    writeFileSync(
      apps,
      JSON.stringify([
        { id: 'orders', team_id: 't', name: 'Orders', active: true },
        { id: 'payments', team_id: 't', name: 'Payments', active: true },
      ]),
    );
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runLocal([
      '--apps',
      apps,
      '--cycles',
      '2',
      '--advance',
      '31d',
      '--out',
      out,
    ]);
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(stdout).toMatch(/AWS: http:\/\/127\.0\.0\.1:\d+ \(moto, started for this run\)/);
    expect(stdout).toMatch(/-1: ok \(CycleComplete\)[\s\S]*2 created, 0 deleted[\s\S]*2 due, 2 rotated/);
    expect(stdout).toMatch(/-2: ok \(CycleComplete\)[\s\S]*0 created[\s\S]*2 due, 2 rotated/);
    expect(stdout).toMatch(/2 cycle\(s\), 0 with failures/);
    expect(stdout).toMatch(/2 service users; 2 credentials files/);
    // The handlers' logs are saved, not printed.
    expect(stdout).not.toMatch(/"level":/);
    const inventory = JSON.parse(readFileSync(join(out, 'inventory.json'), 'utf8')) as {
      users: { keys: unknown[] }[];
    };
    expect(inventory.users.map((u) => u.keys.length)).toEqual([2, 2]);
    const written = ['inventory.json', 'summary.json']
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('');
    expect(written).not.toMatch(/application_password|client_secret/);
  });

  it('runs cycles with the Cognito identity store: created, rotated, previous secrets retired', async () => {
    const apps = join(dir, 'cognito-apps.json');
    writeFileSync(
      apps,
      JSON.stringify([
        { id: 'orders', team_id: 't', name: 'Orders', active: true },
        { id: 'payments', team_id: 't', name: 'Payments', active: true },
      ]),
    );
    const out = join(dir, 'cognito');
    const { code, stdout, stderr } = await runLocal([
      '--identity-store',
      'cognito',
      '--apps',
      apps,
      '--cycles',
      '3',
      '--advance',
      '31d,25h',
      '--out',
      out,
    ]);
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(stdout).toMatch(
      /identity store: cognito, user pool [\w-]+_[0-9a-zA-Z]+, token endpoint http:\/\/127\.0\.0\.1:\d+\/oauth2\/token/,
    );
    expect(stdout).toMatch(/-1: ok \(CycleComplete\)[\s\S]*2 created, 0 deleted[\s\S]*2 due, 2 rotated/);
    expect(stdout).toMatch(/-2: ok[\s\S]*0 created[\s\S]*2 rotated, 0 previous client secrets retired/);
    expect(stdout).toMatch(/-3: ok[\s\S]*2 previous client secrets retired/);
    expect(stdout).toMatch(/3 cycle\(s\), 0 with failures/);
    expect(stdout).toMatch(
      /2 service users \(each a user and an app client in [\w-]+\); 2 credentials files/,
    );
    const inventory = JSON.parse(readFileSync(join(out, 'inventory.json'), 'utf8')) as {
      userPoolId: string;
      users: { userName: string; clientId: string; keys: { id: string }[]; tags: Record<string, string> }[];
      clients: { clientId: string; name: string }[];
    };
    expect(inventory.users.map((u) => u.userName)).toEqual(['orders', 'payments']);
    expect(inventory.clients.map((c) => c.clientId)).toEqual(inventory.users.map((u) => u.clientId));
    // One secret each after the retirement: the one Mint published, by id.
    for (const user of inventory.users)
      expect(user.keys.map((k) => k.id)).toEqual([user.tags['mint:key-id']]);
    const written = ['inventory.json', 'summary.json']
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('');
    expect(written).not.toMatch(/application_password|client_secret/);
  });

  it('reads a Kio given by --kio-url and passes --input to the execution', async () => {
    const kio = await startKioStub([
      { id: 'orders', team_id: 't', name: 'Orders', active: true },
      { id: 'payments', team_id: 't', name: 'Payments', active: true },
    ]);
    try {
      const { code, stdout, stderr } = await runLocal([
        '--kio-url',
        kio.url,
        '--input',
        '{"apps":["orders"]}',
        '--out',
        join(dir, 'kio'),
      ]);
      expect({ code, stderr }).toMatchObject({ code: 0 });
      expect(stdout).toContain(`Kio: ${kio.url}\n`);
      expect(kio.requests()).toBe(1);
      // Only the app named in the input is created.
      expect(stdout).toMatch(/1 created[\s\S]*1 due, 1 rotated/);
      expect(stdout).toMatch(/1 service users; 1 credentials files/);
    } finally {
      await kio.close();
    }
  });

  it('says how to install moto when it is missing', async () => {
    const { code, stderr } = await runLocal(['--out', join(dir, 'none')], {
      MOTO_PYTHON: '/nonexistent/python3',
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/pip install 'moto\[server\]'/);
  });

  it('says how to install moto when python3 has no moto module', async () => {
    // python3 without site-packages cannot import moto: the launcher's own check must say so.
    const python = join(dir, 'python-without-moto');
    writeFileSync(python, '#!/bin/sh\nexec python3 -S "$@"\n', { mode: 0o755 });
    const { code, stderr } = await runLocal(['--out', join(dir, 'none')], { MOTO_PYTHON: python });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /moto is not installed for python3\. Install it with: pip install 'moto\[server\]'/,
    );
  });

  it('explains a bad flag and exits 2', async () => {
    const { code, stderr } = await runLocal(['--cycles', 'many']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--cycles many: expected a whole number/);
  });
});
