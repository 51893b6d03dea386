import { testAccessKey } from '../../lambdas/adapters/access-key-tester';
import type { Ports } from '../../lambdas/adapters/ports';
import { credentialsKey, cycleKeys } from '../../lambdas/contracts/keys';
import { TAG } from '../../lambdas/core/service-users';
import { awsError } from '../../local/in-memory-aws/fake-aws';
import { runCycle, workflowTier } from '../support/workflow-harness';

/**
 * The fault matrix: every AWS call of one app's rotation × a process killed before the call took
 * effect, killed after it took effect (its reply lost), an error thrown for the whole cycle, and one
 * throttled call. Whatever happened, one clean cycle later the app is served by working credentials,
 * with at most two keys, no orphan key and no stage (no staged secret, no lease) left; the app next to
 * it is served throughout.
 */
const APP = 'orders';
const DAY = 86_400_000;
type Input = Record<string, unknown>;
const tagKeys = (input: Input) => ((input.Tags ?? []) as { Key: string }[]).map((t) => t.Key);

const STEPS: {
  step: string;
  command: string;
  when: (input: Input) => boolean;
  due: 'rotation' | 'retirement';
}[] = [
  { step: 'read keys', command: 'ListAccessKeys', when: (i) => i.UserName === APP, due: 'rotation' },
  {
    step: 'read published',
    command: 'GetObject',
    when: (i) => i.Key === credentialsKey(APP),
    due: 'rotation',
  },
  {
    step: 'take lease',
    command: 'PutObject',
    when: (i) => i.Key === cycleKeys.pending(APP) && i.IfNoneMatch === '*',
    due: 'rotation',
  },
  { step: 'password policy', command: 'GetAccountPasswordPolicy', when: () => true, due: 'rotation' },
  { step: 'create key', command: 'CreateAccessKey', when: (i) => i.UserName === APP, due: 'rotation' },
  {
    step: 'stage',
    command: 'PutObject',
    // The lease file rewritten (If-Match) with the staged rotation in it.
    when: (i) =>
      i.Key === cycleKeys.pending(APP) && i.IfMatch !== undefined && String(i.Body).includes('"rotation"'),
    due: 'rotation',
  },
  { step: 'test key', command: 'GetCallerIdentity', when: () => true, due: 'rotation' },
  { step: 'set password', command: 'UpdateLoginProfile', when: (i) => i.UserName === APP, due: 'rotation' },
  { step: 'publish', command: 'PutObject', when: (i) => i.Key === credentialsKey(APP), due: 'rotation' },
  {
    step: 'record',
    command: 'TagUser',
    when: (i) => i.UserName === APP && tagKeys(i).includes(TAG.previousKeyId),
    due: 'rotation',
  },
  {
    step: 'clear stage',
    command: 'DeleteObject',
    when: (i) => i.Key === cycleKeys.pending(APP),
    due: 'rotation',
  },
  {
    step: 'retire previous key',
    command: 'DeleteAccessKey',
    when: (i) => i.UserName === APP,
    due: 'retirement',
  },
];
const MODES = ['killed before', 'killed after', 'thrown', 'throttled'] as const;

describe('the fault matrix: every rotation step × killed / thrown / throttled', () => {
  const tier = workflowTier();
  const { definition } = tier;
  // IAM propagates a new key in seconds; here it works at once, so the test need not wait between tries.
  const runtime: Partial<Ports> = {
    testClientSecret: (secret, app) =>
      testAccessKey({ accessKeyId: secret.clientId, secretAccessKey: secret.clientSecret }, app.userArn, {
        attempts: 2,
        firstDelayMs: 1,
        maxDelayMs: 1,
      }),
  };

  const cycle = (offsetMs: number) =>
    runCycle(definition, {}, { now: () => new Date(Date.now() + offsetMs), runtime });
  const published = (appId: string) => JSON.parse(tier.aws.object(credentialsKey(appId)) ?? 'null');
  const expectHealthy = (appId: string) => {
    const doc = published(appId);
    const user = tier.aws.users.get(appId);
    // Booleans, so a failure never prints a secret.
    expect(user?.keys.some((k) => k.id === doc?.client_id && k.secret === doc?.client_secret)).toBe(true);
    expect(user?.password === doc?.application_password).toBe(true);
    const keys = user?.keys.map((k) => k.id) ?? [];
    expect(keys.length).toBeLessThanOrEqual(2);
    for (const key of keys) expect([doc.client_id, user?.tags[TAG.previousKeyId]]).toContain(key);
    expect(tier.aws.object(cycleKeys.pending(appId))).toBeUndefined();
  };

  const cases = STEPS.flatMap((s) => MODES.map((mode) => ({ ...s, mode })));
  it.each(cases)('$step, $mode: healthy after one clean cycle', async ({ command, when, due, mode }) => {
    tier.kio.setApps([APP, 'billing'].map((id) => ({ id, team_id: 'team-a', name: id, active: true })));
    expect((await cycle(0)).status).toBe('SUCCEEDED');
    let offset = 31 * DAY; // key and password due
    if (due === 'retirement') {
      expect((await cycle(offset)).status).toBe('SUCCEEDED');
      offset += 2 * DAY; // the previous key's grace has passed
    }
    if (mode === 'killed before' || mode === 'killed after')
      tier.aws.killAt({ command, when, applied: mode === 'killed after' });
    else if (mode === 'thrown')
      for (let i = 0; i < 40; i++) tier.aws.failNext(command, awsError('ServiceFailure'), when);
    else tier.aws.failNext(command, awsError('Throttling', 'Rate exceeded'), when);
    await cycle(offset);
    // The fault was really met: the kill struck, or some injected failure was used up.
    if (mode === 'killed before' || mode === 'killed after') expect(tier.aws.killPending).toBe(false);
    else expect(tier.aws.failuresPending).toBeLessThan(mode === 'thrown' ? 40 : 1);
    tier.aws.clearFailures();
    expect((await cycle(offset + 3_600_000)).status).toBe('SUCCEEDED');
    expectHealthy(APP);
    expectHealthy('billing');
  });
});
