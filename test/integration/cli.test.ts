import { join } from 'node:path';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { StatusDocument } from '../../lambdas/core/app-status';
import { type LocalMint, startLocalMint } from '../../local/local-mint';
import { LOCAL_REGION } from '../../local/stack';
import { ROOT, runProcess } from '../support/processes';

/**
 * `npx mint` (the bin file, through tsx, in its own process) against the local runner's moto: S3 holds
 * what real cycles wrote, and moto's Step Functions API stands in for the deployed state machine. moto
 * records executions but does not run them, and has no RedriveExecution: unit tests cover those paths.
 */
describe('mint CLI against the local runner on moto', () => {
  let mint: LocalMint;
  let stateMachineArn: string;
  let sfn: SFNClient;
  const env = () => ({
    ...process.env,
    AWS_ENDPOINT_URL: mint.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'mint-local',
    AWS_SECRET_ACCESS_KEY: 'mint-local',
    MINT_STATE_MACHINE_ARN: stateMachineArn,
    MINT_BUCKET: mint.bucket,
  });
  const cli = (...args: string[]) =>
    runProcess(process.execPath, [join(ROOT, 'cli', 'mint.cjs'), ...args], env());

  beforeAll(async () => {
    mint = await startLocalMint({
      apps: [
        { id: 'orders', team_id: 't', name: 'Orders', active: true },
        { id: 'payments', team_id: 't', name: 'Payments', active: true },
      ],
    });
    // The first cycle creates the users; the second one's status shows what the first rotated.
    expect((await mint.cycle()).status).toBe('SUCCEEDED');
    expect((await mint.cycle()).status).toBe('SUCCEEDED');
    stateMachineArn = await mint.registerStateMachine();
    sfn = new SFNClient({ endpoint: mint.endpoint, region: LOCAL_REGION });
  });
  afterAll(async () => {
    sfn?.destroy();
    await mint?.stop();
  });

  it('shows every app from the status document the cycles wrote', async () => {
    const json = await cli('status', '--json');
    expect(json).toMatchObject({ code: 0 });
    const view = JSON.parse(json.stdout) as { cycles: unknown[]; status: StatusDocument };
    expect(view.cycles).toEqual([]);
    expect(view.status.apps.map((a) => [a.appId, a.state, a.consecutiveFailures])).toEqual([
      ['orders', 'ok', 0],
      ['payments', 'ok', 0],
    ]);
    expect(view.status.apps.every((a) => a.passwordRotatedAt && a.keyRotatedAt)).toBe(true);

    const table = await cli('status');
    expect(table.code).toBe(0);
    // The local runner has no owner mapping: nobody outside could read these apps.
    expect(table.stdout).toMatch(/Apps: 2, 0 failing, 2 unreadable/);
    expect(table.stdout).toMatch(/^orders\s+ok\s+0\s+none\s+\d{4}-/m);
  });

  it('starts an emergency rotation on the state machine with the workflow input', async () => {
    const run = await cli('run', '--app', 'orders', '--force', '--revoke-previous');
    expect(run).toMatchObject({ code: 0 });
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(listed.executions?.map((e) => e.name)).toEqual([expect.stringMatching(/^manual-/)]);
    expect(run.stdout).toContain(listed.executions?.[0]?.executionArn);

    const status = await cli('status', 'orders');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/state:\s+ok/);
  });

  it("stops waiting for a plan at --timeout and says moto's Step Functions never runs it (exit 3)", async () => {
    const plan = await cli('plan', '--timeout', '3s');
    expect(plan.code).toBe(3);
    expect(plan.stderr).toMatch(
      /mint: dry run manual-\S+ still RUNNING at A State after \ds, its first state \(not a state of Mint's workflow\), against the local endpoint http:\/\/127\.0\.0\.1:\d+: this is moto's Step Functions, which records executions but never runs them/,
    );
  });

  it('exits 2 with the reason when the bucket does not exist', async () => {
    const missing = await cli('status', '--bucket', 'no-such-bucket');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/NoSuchBucket.*Check --state-machine-arn and --bucket/);
  });
});
