import { readOnce } from '../../lambdas/adapters/read-once';

describe('readOnce', () => {
  it('reads once for every caller, concurrent or later', async () => {
    let reads = 0;
    const policy = readOnce(async () => ++reads);
    await expect(Promise.all([policy(), policy()])).resolves.toEqual([1, 1]);
    await expect(policy()).resolves.toBe(1);
    expect(reads).toBe(1);
  });

  it('keeps no failure: the next caller reads again', async () => {
    let reads = 0;
    const policy = readOnce(async () => {
      if (++reads === 1) throw new Error('throttled');
      return reads;
    });
    await expect(policy()).rejects.toThrow('throttled');
    await expect(policy()).resolves.toBe(2);
    await expect(policy()).resolves.toBe(2);
  });
});
