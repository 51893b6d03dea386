import { VirtualClock } from '../../local/in-memory-aws/virtual-clock';

const START = Date.UTC(2025, 0, 1);

describe('VirtualClock', () => {
  it('starts at the epoch given and moves only inside run', async () => {
    const clock = new VirtualClock(START);
    expect(clock.now()).toBe(START);
    let woke = false;
    void clock.sleep(1000).then(() => {
      woke = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect([woke, clock.now(), clock.pending]).toEqual([false, START, 1]);
    // run drives only until its own work is done: the earlier sleep stays pending.
    await clock.run(() => clock.sleep(0));
    expect([woke, clock.elapsedMs, clock.pending]).toEqual([false, 0, 1]);
    await clock.run(() => clock.sleep(1000));
    expect([woke, clock.elapsedMs, clock.pending]).toEqual([true, 1000, 0]);
  });

  it('resolves concurrent sleeps in virtual-time order, ties in registration order', async () => {
    const clock = new VirtualClock(START);
    const order: string[] = [];
    const sleeper = async (name: string, ms: number) => {
      await clock.sleep(ms);
      order.push(`${name}@${clock.elapsedMs}`);
    };
    await clock.run(() =>
      Promise.all([sleeper('c', 300), sleeper('a', 100), sleeper('b', 200), sleeper('a2', 100)]),
    );
    expect(order).toEqual(['a@100', 'a2@100', 'b@200', 'c@300']);
    expect(clock.elapsedMs).toBe(300);
  });

  it('lets work that hops through real macrotasks start its sleeps before moving time', async () => {
    const clock = new VirtualClock(START);
    const ends: number[] = [];
    const late = async () => {
      // Work the engine schedules on real macrotasks: it must sleep from instant 0, not from 100.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 0));
      await new Promise((resolve) => setImmediate(resolve));
      await clock.sleep(150);
      ends.push(clock.elapsedMs);
    };
    const early = async () => {
      await clock.sleep(100);
      ends.push(clock.elapsedMs);
    };
    await clock.run(() => Promise.all([early(), late()]));
    expect(ends).toEqual([100, 150]);
  });

  it('simulates an hour in well under a second of wall time: its cost is per instant, not per ms', async () => {
    const clock = new VirtualClock(START);
    const wall = performance.now();
    await clock.run(async () => {
      for (let i = 0; i < 60; i++) await clock.sleep(60_000);
    });
    expect(clock.elapsedMs).toBe(3_600_000);
    expect(performance.now() - wall).toBeLessThan(1000);
  });

  it('without setTimeout(0) hops, simulates 3,600 sequential instants in under a second', async () => {
    const clock = new VirtualClock(START, { macrotaskRounds: 0 });
    const wall = performance.now();
    await clock.run(async () => {
      for (let i = 0; i < 3600; i++) await clock.sleep(1000);
    });
    expect(clock.elapsedMs).toBe(3_600_000);
    expect(performance.now() - wall).toBeLessThan(1000);
  });

  it('without setTimeout(0) hops, simulates an hour of 32 workers at distinct instants in under a second', async () => {
    const clock = new VirtualClock(START, { macrotaskRounds: 0 });
    const wall = performance.now();
    const worker = async (offset: number) => {
      while (clock.elapsedMs < 3_600_000) await clock.sleep(30_000 + offset);
    };
    await clock.run(() => Promise.all(Array.from({ length: 32 }, (_, i) => worker(i))));
    expect(clock.elapsedMs).toBeGreaterThanOrEqual(3_600_000);
    expect(performance.now() - wall).toBeLessThan(1000);
  });

  it('waits for real I/O when no timer is pending', async () => {
    const clock = new VirtualClock(START);
    const result = await clock.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await clock.sleep(50);
      return 'done';
    });
    expect([result, clock.elapsedMs]).toEqual(['done', 50]);
  });

  it('rejects as the work does, and refuses to be driven twice at once', async () => {
    const clock = new VirtualClock(START);
    await expect(
      clock.run(async () => {
        await clock.sleep(10);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const first = clock.run(() => clock.sleep(10));
    await expect(clock.run(() => clock.sleep(10))).rejects.toThrow('already driving');
    await first;
    expect(clock.elapsedMs).toBe(20);
  });
});
