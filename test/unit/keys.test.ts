import {
  credentialsKey,
  cycleKeys,
  KEY_PATTERNS,
  OWNERS_KEY,
  STATUS_KEY,
  stagedAppId,
} from '../../lambdas/contracts/keys';

const matches = (pattern: string, key: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(key);

describe('the key layout grants are built from', () => {
  type Pattern = keyof typeof KEY_PATTERNS;
  const keys: [string, Pattern[]][] = [
    [credentialsKey('orders'), ['credentials']],
    [cycleKeys.pending('orders'), ['pending']],
    [cycleKeys.apps('c1'), ['cycles', 'snapshots']],
    [cycleKeys.batch('c1', 3), ['cycles', 'batches']],
    [cycleKeys.outcome(cycleKeys.batch('c1', 3)), ['cycles', 'batchOutcomes']],
    [cycleKeys.retryBatch('c1', 0), ['cycles', 'retryBatches']],
    [cycleKeys.outcome(cycleKeys.retryBatch('c1', 0)), ['cycles', 'retryOutcomes']],
    [cycleKeys.report('c1'), ['cycles']],
    [cycleKeys.plan('c1'), ['cycles']],
    [OWNERS_KEY, ['owners']],
    [STATUS_KEY, ['status']],
  ];

  it.each(keys)('puts %s inside exactly the %j patterns', (key, patterns) => {
    const inside = (Object.keys(KEY_PATTERNS) as Pattern[]).filter(
      (p) => p !== 'mintState' && matches(KEY_PATTERNS[p], key),
    );
    expect(inside).toEqual(patterns);
  });

  it("keeps Mint's state apart from every app's credentials", () => {
    for (const [key, patterns] of keys) {
      expect(matches(KEY_PATTERNS.mintState, key)).toBe(!patterns.includes('credentials'));
    }
  });

  it('reads the app back from a stage key, and nothing else', () => {
    expect(stagedAppId(cycleKeys.pending('orders'))).toBe('orders');
    for (const key of [
      '_mint/pending/Orders.json',
      '_mint/pending/a/b.json',
      '_mint/status.json',
      'orders/credentials.json',
    ])
      expect(stagedAppId(key)).toBeUndefined();
  });
});
