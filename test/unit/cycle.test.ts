import { cycleKeys } from '../../lambdas/contracts/keys';
import { anotherCycleRunning, chunk, settleWithConcurrency } from '../../lambdas/core/cycle';

describe('anotherCycleRunning', () => {
  const me = { executionArn: 'arn:exec:b', startDate: new Date('2026-11-28T12:00:00Z') };

  it('yields to an earlier cycle and ignores itself', () => {
    expect(anotherCycleRunning([me], me)).toBe(false);
    expect(
      anotherCycleRunning(
        [me, { executionArn: 'arn:exec:z', startDate: new Date('2026-11-28T11:59:00Z') }],
        me,
      ),
    ).toBe(true);
  });

  it('lets exactly one of two cycles started at the same instant go on', () => {
    const twin = { executionArn: 'arn:exec:a', startDate: me.startDate };
    expect(anotherCycleRunning([me, twin], me)).toBe(true);
    expect(anotherCycleRunning([me, twin], twin)).toBe(false);
  });

  it('does not yield to a later cycle', () => {
    expect(
      anotherCycleRunning([{ executionArn: 'arn:exec:c', startDate: new Date('2026-11-28T12:05:00Z') }], me),
    ).toBe(false);
  });
});

describe('chunk and settleWithConcurrency', () => {
  it('splits into batches of at most n', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });

  it('runs everything, never more than the limit at once, and keeps failures per item', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await settleWithConcurrency([1, 2, 3, 4, 5, 6], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (n === 3) throw new Error('three');
      return n * 10;
    });
    expect(peak).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'x'))).toEqual([10, 20, 'x', 40, 50, 60]);
  });
});

describe('cycleKeys', () => {
  it('keeps outcomes apart from the batch files they describe', () => {
    for (const key of [cycleKeys.batch('c1', 0), cycleKeys.retryBatch('c1', 0)]) {
      expect(cycleKeys.outcome(key)).not.toBe(key);
      expect(cycleKeys.outcome(key)).toMatch(/^_mint\/cycles\/c1\//);
    }
  });
});
