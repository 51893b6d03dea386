import type { Clock } from '../../lambdas/core/clock';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export interface VirtualClockOptions {
  /** `setImmediate` hops in a row that register no timer, for the work to count as quiet. Default 3. */
  immediateRounds?: number;
  /**
   * `setTimeout(0)` hops in a row (each followed by quiet `setImmediate` hops) that register no timer,
   * before the clock moves. Each costs about a real millisecond (Node's shortest timer), so this bounds
   * the wall time per virtual instant. Default 1; 0 trusts `setImmediate` hops alone.
   */
  macrotaskRounds?: number;
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Simulated time for the benchmark: `now()` starts at the epoch ms given and moves only inside `run`,
 * when every piece of the work is waiting on one of this clock's timers. `sleep` registers a timer;
 * nothing sleeps in real time, so a simulated hour of in-memory work takes well under a second.
 *
 * How `run` decides the work is idle: it lets pending work settle, first through `setImmediate` hops
 * until `immediateRounds` in a row register no timer, then through `setTimeout(0)` hops (each followed
 * by the same) until `macrotaskRounds` in a row register none; then it moves `now` to the earliest timer
 * and resolves every timer due at that instant, in registration order. With no timer pending and the
 * work unfinished, the work waits on something real (the Kio stub's HTTP): it waits a real millisecond
 * and looks again. Wall cost is per distinct instant, not per virtual ms: about 0.04 ms with
 * `macrotaskRounds: 0`, about 1.2 ms with the default 1 (Node's shortest timer is 1 ms).
 *
 * When it could move too early: (1) work waiting on real I/O or a real timer while other work sleeps on
 * this clock: the sleepers' time passes, as if the real wait took no virtual time; (2) a chain of more
 * than `immediateRounds` `setImmediate` (or `macrotaskRounds` `setTimeout(0)`) hops that registers no
 * timer: its next sleep starts from a later instant. The local engine and Mint's handlers over FakeAws
 * need neither (the same cycle gives the same timeline with `macrotaskRounds: 0`, see the tests); real
 * waits must go through this clock (Mint's key test and Kio client take a `sleep`).
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly start: number;
  private timers: Timer[] = [];
  private seq = 0;
  /** Timers registered or resolved so far: what tells the settling loop the work still moves. */
  private activity = 0;
  private running = false;
  private readonly immediateRounds: number;
  private readonly macrotaskRounds: number;

  constructor(startMs = Date.UTC(2025, 0, 1), options: VirtualClockOptions = {}) {
    this.current = startMs;
    this.start = startMs;
    this.immediateRounds = Math.max(1, options.immediateRounds ?? 3);
    this.macrotaskRounds = Math.max(0, options.macrotaskRounds ?? 1);
  }

  now(): number {
    return this.current;
  }

  /** Virtual milliseconds since the clock started. */
  get elapsedMs(): number {
    return this.current - this.start;
  }

  /** Timers not yet due: sleeps waiting on `run` to move the clock. */
  get pending(): number {
    return this.timers.length;
  }

  sleep(ms: number): Promise<void> {
    const at = this.current + Math.max(0, Number.isFinite(ms) ? ms : 0);
    return new Promise<void>((resolve) => {
      const timer = { at, seq: this.seq++, resolve };
      // Sorted by instant, then registration: the earliest is first, and ties resolve in order.
      let index = this.timers.length;
      while (index > 0 && (this.timers[index - 1]?.at ?? 0) > at) index--;
      this.timers.splice(index, 0, timer);
      this.activity++;
    });
  }

  /** Drives the simulation until `work` settles; resolves or rejects as it does. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running) throw new Error('VirtualClock.run is already driving this clock');
    this.running = true;
    let settled = false;
    const result = Promise.resolve()
      .then(work)
      .finally(() => {
        settled = true;
      });
    // The loop below observes the outcome; the caller gets it from `result`.
    result.catch(() => undefined);
    try {
      while (!settled) {
        await this.settle(() => settled);
        if (settled) break;
        const next = this.timers[0];
        if (next) this.fire(next.at);
        else await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      this.running = false;
    }
    return result;
  }

  /** Moves `now` to `at` (never back) and resolves every timer due by then, in registration order. */
  private fire(at: number): void {
    this.current = Math.max(this.current, at);
    let due = 0;
    while (due < this.timers.length && (this.timers[due]?.at ?? Infinity) <= this.current) due++;
    const fired = this.timers.splice(0, due);
    this.activity += fired.length;
    for (const timer of fired) timer.resolve();
  }

  /**
   * Lets the work run until it is quiet: `immediateRounds` `setImmediate` hops in a row register no
   * timer, then `macrotaskRounds` `setTimeout(0)` hops in a row (each followed by the same) do not either.
   */
  private async settle(done: () => boolean): Promise<void> {
    await this.immediates(done);
    let quiet = 0;
    while (quiet < this.macrotaskRounds && !done()) {
      const before = this.activity;
      await macrotask();
      await this.immediates(done);
      quiet = this.activity === before ? quiet + 1 : 0;
    }
  }

  private async immediates(done: () => boolean): Promise<void> {
    let quiet = 0;
    while (quiet < this.immediateRounds && !done()) {
      const before = this.activity;
      await immediate();
      quiet = this.activity === before ? quiet + 1 : 0;
    }
  }
}
