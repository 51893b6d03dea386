/**
 * Time as Mint's waits see it: the rate limiter, retry backoff and the access-key test sleep through it.
 * Lambda uses the system clock; the benchmark gives a virtual one, so an hour of IAM throttling is
 * simulated in seconds and measured exactly.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
