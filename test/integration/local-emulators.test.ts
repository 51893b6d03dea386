import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MotoServer, startMoto } from '../../local/moto';
import { ROOT, runProcess } from '../support/processes';

/**
 * `npm run local` against an emulator the user started (AWS_ENDPOINT_URL), not its own: in us-east-1,
 * and with a plain moto, which lacks IAM user permissions boundaries and Cognito client secrets.
 */
function runLocal(args: string[], env: Record<string, string>) {
  return runProcess(join(ROOT, 'node_modules', '.bin', 'tsx'), ['local/cli.ts', ...args], {
    ...process.env,
    KIO_URL: '',
    AWS_ACCESS_KEY_ID: 'mint-local',
    AWS_SECRET_ACCESS_KEY: 'mint-local',
    ...env,
  });
}

describe('npm run local with AWS_ENDPOINT_URL at an emulator it did not start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mint-emulators-'));
  const apps = join(dir, 'apps.json');
  writeFileSync(
    apps,
    JSON.stringify([
      { id: 'orders', team_id: 't', name: 'Orders', active: true },
      { id: 'payments', team_id: 't', name: 'Payments', active: true },
    ]),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('moto with user boundaries (python3 local/moto_server.py), started by the user', () => {
    let moto: MotoServer;
    beforeAll(async () => {
      moto = await startMoto();
    });
    afterAll(() => moto?.stop());

    it('runs in us-east-1, where CreateBucket must not name a location', async () => {
      const { code, stdout, stderr } = await runLocal(
        ['--apps', apps, '--cycles', '2', '--advance', '31d', '--out', join(dir, 'us-east-1')],
        { AWS_ENDPOINT_URL: moto.url, AWS_REGION: 'us-east-1' },
      );
      expect(stderr).not.toMatch(/location-constraint/);
      expect({ code, stderr }).toMatchObject({ code: 0 });
      expect(stdout).toContain(`AWS: ${moto.url}\n`);
      expect(stdout).toMatch(/-1: ok \(CycleComplete\)[\s\S]*2 created[\s\S]*2 due, 2 rotated/);
      expect(stdout).toMatch(/-2: ok \(CycleComplete\)[\s\S]*2 due, 2 rotated/);
      expect(stdout).toMatch(/2 cycle\(s\), 0 with failures/);
    });

    it('runs the Cognito store twice on it, the second run finding the pool and the users of the first', async () => {
      const run = (out: string) =>
        runLocal(['--identity-store', 'cognito', '--apps', apps, '--out', join(dir, out)], {
          AWS_ENDPOINT_URL: moto.url,
        });
      const first = await run('cognito-1');
      expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
      expect(first.stdout).toMatch(/-1: ok \(CycleComplete\)[\s\S]*2 created/);
      const pool = /user pool (\S+),/.exec(first.stdout)?.[1];
      const second = await run('cognito-2');
      expect({ code: second.code, stderr: second.stderr }).toMatchObject({ code: 0 });
      expect(second.stdout).toContain(`user pool ${pool},`);
      expect(second.stdout).toMatch(/-1: ok \(CycleComplete\)[\s\S]*0 created, 0 deleted/);
      expect(second.stdout).toMatch(/2 service users \(each a user and an app client/);
    });
  });

  describe('plain moto (python3 -m moto.server): no PutUserPermissionsBoundary for users', () => {
    let moto: MotoServer;
    beforeAll(async () => {
      moto = await startMoto({ plain: true });
    });
    afterAll(() => moto?.stop());

    it.each(['eu-central-1', 'us-east-1'])(
      'stops at set-up in %s (exit 2), before any cycle, saying what is missing and what to start',
      async (region) => {
        const { code, stdout, stderr } = await runLocal(
          ['--apps', apps, '--cycles', '2', '--advance', '31d', '--out', join(dir, `plain-${region}`)],
          { AWS_ENDPOINT_URL: moto.url, AWS_REGION: region },
        );
        expect({ code, stdout, stderr }).toMatchObject({ code: 2 });
        expect(stderr).toContain(
          `AWS_ENDPOINT_URL=${moto.url}: this emulator does not support IAM user permissions boundaries`,
        );
        expect(stderr).toMatch(/PutUserPermissionsBoundary answered HTTP 500 \(not an IAM response/);
        expect(stderr).toContain('python3 local/moto_server.py');
        expect(stderr).toContain('let `npm run local` start its own');
        expect(stdout).not.toMatch(/CycleComplete|failed/);
      },
    );

    it('stops the Cognito store at set-up (exit 2): no client secret rotation, no token endpoint', async () => {
      const { code, stdout, stderr } = await runLocal(
        ['--identity-store', 'cognito', '--apps', apps, '--out', join(dir, 'plain-cognito')],
        { AWS_ENDPOINT_URL: moto.url },
      );
      expect({ code, stdout, stderr }).toMatchObject({ code: 2 });
      expect(stderr).toContain(
        `AWS_ENDPOINT_URL=${moto.url}: this emulator cannot serve the Cognito identity store`,
      );
      expect(stderr).toMatch(
        /ListUserPoolClientSecrets answered HTTP 500 \(not a Cognito response[^;]*; POST \/oauth2\/token answered HTTP/,
      );
      expect(stderr).toContain('python3 local/moto_server.py');
      expect(stdout).not.toMatch(/CycleComplete|failed/);
    });
  });
});
