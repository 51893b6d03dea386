import { credentialsKey, cycleKeys, STATUS_KEY } from '../../lambdas/contracts/keys';
import { LEASE_MS } from '../../lambdas/core/rotation-plan';
import { TAG } from '../../lambdas/core/service-users';
import { awsError } from '../../local/in-memory-aws/fake-aws';
import { runCycle, workflowTier } from '../support/workflow-harness';

/**
 * Crash leftovers are repaired by the next cycle whether or not the app is due, and an app another
 * execution is rotating is left alone: the stage under `_mint/pending/` is both the app's lease and
 * the record of an unfinished rotation, and every cycle lists the stages (one call).
 */
const kioApp = (id: string) => ({ id, team_id: 'team-a', name: id, active: true });
const CRASHED = 'arn:aws:states:eu-central-1:111111111111:execution:Mint:crashed';
/** A killed process's lease, old enough to have expired: what the first cycle after that finds. */
const expiredLease = () => ({
  cycle: 'crashed',
  executionArn: CRASHED,
  at: new Date(Date.now() - LEASE_MS - 1000).toISOString(),
});

describe('unfinished rotations', () => {
  const tier = workflowTier();
  const { definition } = tier;

  const published = (appId: string) => JSON.parse(tier.aws.object(credentialsKey(appId)) ?? 'null');
  const keysOf = (appId: string) => tier.aws.users.get(appId)?.keys.map((k) => k.id) ?? [];
  const stage = (appId: string) => tier.aws.object(cycleKeys.pending(appId));
  /** Served, at most two keys, none an orphan, no stage left: what one clean cycle must leave. */
  const expectHealthy = (appId: string) => {
    const doc = published(appId);
    const user = tier.aws.users.get(appId);
    expect(user?.keys.some((k) => k.id === doc.client_id && k.secret === doc.client_secret)).toBe(true);
    expect(user?.password === doc.application_password).toBe(true);
    expect(keysOf(appId).length).toBeLessThanOrEqual(2);
    for (const key of keysOf(appId)) expect([doc.client_id, user?.tags[TAG.previousKeyId]]).toContain(key);
    expect(stage(appId)).toBeUndefined();
  };

  it('clears a stage left after publishing (its deletion failed) in the next cycle, though nothing is due', async () => {
    tier.kio.setApps([kioApp('orders'), kioApp('billing')]);
    for (let i = 0; i < 20; i++)
      tier.aws.failNext(
        'DeleteObject',
        awsError('InternalError'),
        (input) => input.Key === cycleKeys.pending('orders'),
      );
    expect((await runCycle(definition)).status).toBe('FAILED');
    expect(stage('orders')).toBeDefined();
    tier.aws.clearFailures();
    const run = await runCycle(definition);
    expect(run.status).toBe('SUCCEEDED');
    expectHealthy('orders');
    expectHealthy('billing');
    // The status written at that cycle's start showed the unfinished rotation; the next one does not.
    const status = () => JSON.parse(tier.aws.object(STATUS_KEY) ?? '{"apps":[]}').apps;
    const orders = () => status().find((a: { appId: string }) => a.appId === 'orders');
    expect(orders().unfinishedRotationSince).toEqual(expect.any(String));
    expect(
      status().find((a: { appId: string }) => a.appId === 'billing').unfinishedRotationSince,
    ).toBeUndefined();
    await runCycle(definition);
    expect(orders().unfinishedRotationSince).toBeUndefined();
  });

  it('deletes the orphan key of a process killed between creating a key and staging it, in the next cycle', async () => {
    tier.kio.setApps([kioApp('orders')]);
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    const before = published('orders');
    // What a killed forced run leaves: its lease, and a key whose secret died with the process.
    tier.aws.objects.set(cycleKeys.pending('orders'), [
      {
        body: JSON.stringify({ lease: expiredLease() }),
        version: 1,
      },
    ]);
    const orphan = tier.aws.users.get('orders');
    orphan?.keys.push({ id: 'AKIAORPHAN0000000001', secret: 'lost' });
    const run = await runCycle(definition);
    expect(run.status).toBe('SUCCEEDED');
    expect(keysOf('orders')).not.toContain('AKIAORPHAN0000000001');
    expect(published('orders').client_id).toBe(before.client_id);
    expectHealthy('orders');
  });

  it('finishes a rotation killed after staging, without waiting for the app to be due again', async () => {
    tier.kio.setApps([kioApp('orders')]);
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    const before = published('orders');
    // What a process killed after staging leaves: the key created, the complete document staged.
    const user = tier.aws.users.get('orders');
    user?.keys.push({ id: 'AKIASTAGED0000000001', secret: 'staged-secret-1' });
    const document = { ...before, client_id: 'AKIASTAGED0000000001', client_secret: 'staged-secret-1' };
    const rotation = {
      document,
      newPassword: false,
      newKey: true,
      previousKeyId: before.client_id,
      revokeAfterPublish: [],
      stagedAt: new Date().toISOString(),
    };
    tier.aws.objects.set(cycleKeys.pending('orders'), [
      {
        body: JSON.stringify({ lease: expiredLease(), rotation }),
        version: 1,
      },
    ]);
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    expect(published('orders').client_id).toBe('AKIASTAGED0000000001');
    expect(tier.aws.users.get('orders')?.tags[TAG.previousKeyId]).toBe(before.client_id);
    expectHealthy('orders');
  });

  it('leaves an app alone while another running execution holds its lease, and says so', async () => {
    tier.kio.setApps([kioApp('orders')]);
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    const before = published('orders');
    const user = tier.aws.users.get('orders');
    if (user) user.tags[TAG.keyRotatedAt] = new Date(Date.now() - 31 * 86_400_000).toISOString();
    tier.aws.objects.set(cycleKeys.pending('orders'), [
      {
        body: JSON.stringify({
          lease: { cycle: 'other', executionArn: CRASHED, at: new Date().toISOString() },
        }),
        version: 1,
      },
    ]);
    // Another execution's lease, taken a moment ago (a redrive, or a racing schedule).
    const run = await runCycle(definition, {}, { name: 'second' });
    expect(run.status).toBe('SUCCEEDED');
    // Compared as a boolean, so a failure never prints the secrets.
    expect(JSON.stringify(published('orders')) === JSON.stringify(before)).toBe(true);
    const report = JSON.parse(tier.aws.object(cycleKeys.report('second')) ?? '{}');
    expect(report.outcomes).toEqual([
      expect.objectContaining({
        appId: 'orders',
        status: 'unchanged',
        busy: expect.stringContaining('other'),
      }),
    ]);
  });

  it('isolates a batch whose function dies: the other batches finish, Report runs, the retry pass serves its apps', async () => {
    const ids = ['a1', 'a2', 'b1', 'b2', 'c1'];
    tier.kio.setApps(ids.map(kioApp));
    // The second batch's function dies on its first read (MINT_BATCH_SIZE=2: three batch files).
    tier.aws.failNext(
      'GetObject',
      awsError('Sandbox.Timedout', 'Task timed out after 600.00 seconds'),
      (input) => String(input.Key).endsWith('/batches/00001.json'),
    );
    const run = await runCycle(definition, {}, { name: 'lost' });
    expect(run.status).toBe('SUCCEEDED');
    for (const id of ids) expectHealthy(id);
    const report = JSON.parse(tier.aws.object(cycleKeys.report('lost')) ?? '{}');
    const lost = report.outcomes.filter((o: { step?: string }) => o.step === 'batch-lost');
    expect(lost.map((o: { appId: string }) => o.appId).sort()).toEqual(['b1', 'b2']);
    expect(lost[0].error).toContain('Sandbox.Timedout');
    expect(report.retry.recovered.sort()).toEqual(['b1', 'b2']);
  });
});
