import { IAMClient, ListAccessKeysCommand, TagUserCommand } from '@aws-sdk/client-iam';
import { createAwsClients } from '../../lambdas/adapters/aws-clients';
import {
  type CallStats,
  callWithPolicy,
  isIamWrite,
  isRetryable,
  TokenBucket,
} from '../../lambdas/core/call-policy';
import type { Clock } from '../../lambdas/core/clock';
import { awsError, FakeAws } from '../../local/in-memory-aws/fake-aws';

/** A clock whose sleeps pass at once and add up: what each caller would have waited. */
function steppingClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

const throttled = () =>
  Object.assign(awsError('Throttling', 'Rate exceeded'), { $metadata: { httpStatusCode: 400 } });

describe('the call policy', () => {
  it('starts empty, paces calls to the rate, and saves up at most the burst while idle', async () => {
    const clock = steppingClock();
    const bucket = new TokenBucket({ ratePerSecond: 5, burst: 2 }, clock, () => 0);
    for (let i = 0; i < 3; i++) await bucket.take();
    expect(clock.slept).toEqual([200, 200, 200]);
    await clock.sleep(10_000);
    clock.slept.length = 0;
    for (let i = 0; i < 4; i++) await bucket.take();
    // Two saved up go at once, then one every 200 ms.
    expect(clock.slept).toEqual([200, 200]);
  });

  it('starts each bucket at a random point of its first interval, so buckets started together do not call in step', async () => {
    const clock = steppingClock();
    await new TokenBucket({ ratePerSecond: 1, burst: 1 }, clock, () => 0.25).take();
    expect(clock.slept).toEqual([1250]);
  });

  it('retries a throttled call with backoff and spends the saved-up tokens', async () => {
    const clock = steppingClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 10 }, clock, () => 0);
    const stats: CallStats = { calls: 0, throttled: 0, retries: 0 };
    let answers = 0;
    const result = await callWithPolicy(
      { clock, maxAttempts: 5, bucketFor: () => bucket, baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 },
      'TagUser',
      async () => {
        if (++answers < 3) throw throttled();
        return 'tagged';
      },
      stats,
    );
    expect(result).toBe('tagged');
    expect(stats).toEqual({ calls: 3, throttled: 2, retries: 2 });
    // Paced (100 ms), backoff 100 ms (the bucket refilled meanwhile), backoff 200 ms.
    expect(clock.slept).toEqual([100, 100, 200]);
  });

  it('spends what the bucket saved up when AWS throttles anyway, so the next call waits its turn', async () => {
    const clock = steppingClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 10 }, clock, () => 0);
    await clock.sleep(10_000);
    clock.slept.length = 0;
    await bucket.take(); // saved up: at once
    expect(clock.slept).toEqual([]);
    bucket.drain();
    await bucket.take();
    expect(clock.slept).toEqual([100]);
  });

  it('takes a new rate from then on', async () => {
    const clock = steppingClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1 }, clock, () => 0);
    bucket.setRate({ ratePerSecond: 2, burst: 1 });
    await bucket.take();
    expect(clock.slept).toEqual([500]);
  });

  it('does not retry what a retry cannot fix, and gives up after the attempts', async () => {
    const clock = steppingClock();
    const policy = { clock, maxAttempts: 3, bucketFor: () => undefined, baseDelayMs: 10, maxDelayMs: 10 };
    let calls = 0;
    await expect(
      callWithPolicy(policy, 'TagUser', async () => {
        calls++;
        throw awsError('AccessDenied', 'no');
      }),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(calls).toBe(1);
    await expect(
      callWithPolicy(policy, 'TagUser', async () => {
        calls++;
        throw throttled();
      }),
    ).rejects.toMatchObject({ name: 'Throttling' });
    expect(calls).toBe(4);
  });

  it('waits out throttling longer than other failures, never retrying at once', async () => {
    const clock = steppingClock();
    const policy = {
      clock,
      maxAttempts: 2,
      maxThrottledAttempts: 6,
      bucketFor: () => undefined,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 0,
    };
    let calls = 0;
    const result = await callWithPolicy(policy, 'TagUser', async () => {
      if (++calls < 6) throw throttled();
      return 'tagged';
    });
    expect([result, calls]).toEqual(['tagged', 6]);
    // Equal jitter: at least half of each step, even when the random draw is 0.
    expect(clock.slept).toEqual([50, 100, 200, 400, 500]);
  });

  it('knows AWS’s throttling and transient answers, and IAM’s writes', () => {
    for (const name of [
      'Throttling',
      'SlowDown',
      'TooManyRequestsException',
      'TimeoutError',
      'ServiceFailure',
    ])
      expect([name, isRetryable(awsError(name, ''))]).toEqual([name, true]);
    expect(isRetryable(Object.assign(awsError('Whatever', ''), { $metadata: { httpStatusCode: 503 } }))).toBe(
      true,
    );
    expect(isRetryable(awsError('NoSuchEntityException', ''))).toBe(false);
    expect(['CreateUser', 'TagUser', 'DeleteAccessKey', 'UpdateLoginProfile'].every(isIamWrite)).toBe(true);
    expect(['ListUsers', 'GetAccountAuthorizationDetails', 'ListAccessKeys'].some(isIamWrite)).toBe(false);
  });
});

describe('clients under the policy', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = new FakeAws();
  });
  afterEach(() => aws.restore());

  it('retry what the in-memory AWS throttles (the SDK’s own retries are below it) and pace IAM writes', async () => {
    const clock = steppingClock();
    const stats: CallStats = { calls: 0, throttled: 0, retries: 0 };
    const clients = createAwsClients(
      { awsMaxAttempts: 4, awsTimeoutMs: 1000 },
      { region: 'eu-central-1' },
      { clock, writesPerSecond: 2, stats },
    );
    aws.addUser('orders', {});
    aws.failNext('TagUser', throttled());
    await clients.iam().send(new TagUserCommand({ UserName: 'orders', Tags: [{ Key: 'a', Value: '1' }] }));
    await clients.iam().send(new TagUserCommand({ UserName: 'orders', Tags: [{ Key: 'b', Value: '2' }] }));
    const beforeRead = clock.now();
    await clients.iam().send(new ListAccessKeysCommand({ UserName: 'orders' }));
    // The read waits for no token, although the writes just spent them all.
    expect(clock.now()).toBe(beforeRead);
    expect(aws.users.get('orders')?.tags).toMatchObject({ a: '1', b: '2' });
    expect(stats).toEqual({ calls: 4, throttled: 1, retries: 1 });
    expect(aws.calls).toEqual(['TagUser', 'TagUser', 'TagUser', 'ListAccessKeys']);
    // Two writes per second: the three TagUser calls are spaced, the read is not paced.
    expect(clock.now()).toBeGreaterThanOrEqual(1000);
  });

  it('govern each client they make, and leave the SDK itself as it was', () => {
    const before = IAMClient.prototype.send;
    const clients = createAwsClients({ awsMaxAttempts: 3, awsTimeoutMs: 1000 });
    expect(Object.hasOwn(clients.iam(), 'send')).toBe(true);
    expect(IAMClient.prototype.send).toBe(before);
    expect(Object.hasOwn(new IAMClient({}), 'send')).toBe(false);
  });
});
