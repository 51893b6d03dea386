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
  const keys: [string, keyof typeof KEY_PATTERNS][] = [
    [credentialsKey('orders'), 'credentials'],
    [cycleKeys.pending('orders'), 'pending'],
    [cycleKeys.apps('c1'), 'cycles'],
    [cycleKeys.batch('c1', 3), 'cycles'],
    [cycleKeys.outcome(cycleKeys.batch('c1', 3)), 'cycles'],
    [cycleKeys.retryBatch('c1', 0), 'cycles'],
    [cycleKeys.outcome(cycleKeys.retryBatch('c1', 0)), 'cycles'],
    [cycleKeys.report('c1'), 'cycles'],
    [cycleKeys.plan('c1'), 'cycles'],
    [OWNERS_KEY, 'owners'],
    [STATUS_KEY, 'status'],
  ];

  it.each(keys)('puts %s inside exactly the %s pattern', (key, pattern) => {
    const inside = (Object.keys(KEY_PATTERNS) as (keyof typeof KEY_PATTERNS)[]).filter(
      (p) => p !== 'mintState' && matches(KEY_PATTERNS[p], key),
    );
    expect(inside).toEqual([pattern]);
  });

  it("keeps Mint's state apart from every app's credentials", () => {
    for (const [key, pattern] of keys) {
      expect(matches(KEY_PATTERNS.mintState, key)).toBe(pattern !== 'credentials');
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
