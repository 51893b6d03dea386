import { credentialsKey, OWNERS_KEY } from '../../lambdas/contracts/keys';
import { STATE } from '../../lib/workflow-states';
import { awsError } from '../../local/in-memory-aws/fake-aws';
import { redrive } from '../support/redrive';
import { runCycle, workflowTier } from '../support/workflow-harness';

/** Each failure class ends in a state whose redrive re-attempts the failed work, and nothing else. */
const kioApp = (id: string, team = 'team-a') => ({ id, team_id: team, name: id, active: true });

describe('redrive re-attempts exactly what failed', () => {
  const tier = workflowTier();
  const { definition } = tier;

  const failedState = (run: { events: Record<string, unknown>[] }) =>
    run.events
      .filter((e) => e.type === 'StateFailed')
      .map((e) => (e as { state?: { name?: string } }).state?.name)
      .at(-1);

  it('a user that could not be created: the execution fails in RetryServiceUsers, whose redrive creates it', async () => {
    tier.kio.setApps([kioApp('orders'), kioApp('blocked')]);
    for (let i = 0; i < 10; i++)
      tier.aws.failNext(
        'CreateUser',
        awsError('ServiceFailure', 'IAM is down'),
        (input) => input.UserName === 'blocked',
      );
    const failed = await runCycle(definition, {}, { name: 'users-failed' });
    expect(failed.status).toBe('FAILED');
    expect(failedState(failed)).toBe(STATE.retryServiceUsers);
    expect(tier.aws.users.has('blocked')).toBe(false);
    expect(tier.aws.object(credentialsKey('orders'))).toBeDefined();

    tier.aws.clearFailures();
    tier.aws.calls = [];
    const redriven = await redrive(definition, failed);
    expect(redriven.restartedAt).toBe(STATE.retryServiceUsers);
    expect(redriven.status).toBe('SUCCEEDED');
    expect(tier.aws.users.has('blocked')).toBe(true);
    // Only the failed user: one creation, and no other app touched.
    expect(tier.aws.calls.filter((c) => c === 'CreateUser')).toHaveLength(1);
    expect(tier.aws.calls).not.toContain('CreateAccessKey');
    // Its credentials come with the next cycle, which finds it due (it is new).
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    expect(tier.aws.object(credentialsKey('blocked'))).toBeDefined();
  });

  it('a deletion that failed: a redrive within the hour deletes; a later one deletes nothing on the old snapshot', async () => {
    tier.kio.setApps([kioApp('orders'), kioApp('legacy'), kioApp('old')]);
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    tier.kio.setApps([
      kioApp('orders'),
      { ...kioApp('legacy'), active: false },
      { ...kioApp('old'), active: false },
    ]);
    for (let i = 0; i < 20; i++) tier.aws.failNext('DeleteUser', awsError('ServiceFailure', 'IAM is down'));
    const failed = await runCycle(definition, {}, { name: 'delete-failed' });
    expect(failed.status).toBe('FAILED');
    expect(failedState(failed)).toBe(STATE.retryServiceUsers);
    tier.aws.clearFailures();

    // Two hours later, Kio lists the apps as active again: the snapshot's "inactive" is stale.
    const late = await redrive(definition, failed, { now: () => new Date(Date.now() + 2 * 3_600_000) });
    expect(late.status).toBe('SUCCEEDED');
    expect(tier.aws.users.has('legacy') && tier.aws.users.has('old')).toBe(true);

    const soon = await redrive(definition, failed);
    expect(soon.status).toBe('SUCCEEDED');
    expect(tier.aws.users.has('legacy') || tier.aws.users.has('old')).toBe(false);
  });

  it('an invalid owner mapping: fixed, a redrive applies it', async () => {
    tier.aws.objects.set(OWNERS_KEY, [
      { body: JSON.stringify({ teams: { 'team-a': ['123'] } }), version: 1 },
    ]);
    tier.kio.setApps([kioApp('orders')]);
    const failed = await runCycle(definition, {}, { name: 'owners-failed' });
    expect(failed.status).toBe('FAILED');
    expect(failedState(failed)).toBe(STATE.retryServiceUsers);
    expect(tier.aws.objectTags.get(credentialsKey('orders'))?.['mint:readers'] ?? '').toBe('');

    tier.aws.objects.set(OWNERS_KEY, [
      { body: JSON.stringify({ teams: { 'team-a': ['222222222222'] } }), version: 2 },
    ]);
    const redriven = await redrive(definition, failed);
    expect(redriven.status).toBe('SUCCEEDED');
    expect(tier.aws.objectTags.get(credentialsKey('orders'))).toEqual({ 'mint:readers': '222222222222' });
    expect(tier.aws.users.get('orders')?.tags['mint:readers']).toBe('222222222222');
  });

  it('a failed app: the execution fails in RetryFailedApps, whose redrive serves it', async () => {
    tier.kio.setApps([kioApp('orders'), kioApp('flaky')]);
    for (let i = 0; i < 30; i++)
      tier.aws.failNext('CreateAccessKey', awsError('ServiceFailure'), (input) => input.UserName === 'flaky');
    const failed = await runCycle(definition, {}, { name: 'apps-failed' });
    expect(failed.status).toBe('FAILED');
    expect(failedState(failed)).toBe(STATE.retryFailedApps);
    const orders = tier.aws.object(credentialsKey('orders'));

    tier.aws.clearFailures();
    const redriven = await redrive(definition, failed);
    expect(redriven.status).toBe('SUCCEEDED');
    expect(tier.aws.object(credentialsKey('flaky'))).toBeDefined();
    expect(tier.aws.object(credentialsKey('orders')) === orders).toBe(true);
  });
});
