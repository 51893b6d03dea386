export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new RangeError(`chunk size must be at least 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface RunningExecution {
  executionArn: string;
  startDate: Date;
}

/**
 * Whether another cycle is running that has precedence over `me`: the earlier start wins, the ARN
 * breaks ties, so of two cycles started together exactly one goes on.
 */
export function anotherCycleRunning(running: readonly RunningExecution[], me: RunningExecution): boolean {
  return running.some(
    (other) =>
      other.executionArn !== me.executionArn &&
      (other.startDate.getTime() < me.startDate.getTime() ||
        (other.startDate.getTime() === me.startDate.getTime() && other.executionArn < me.executionArn)),
  );
}

/** Runs `work` over `items` with at most `limit` in flight; never rejects (each result says how it went). */
export async function settleWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  // One iterator shared by every worker: each takes the next item the moment it is free.
  const queue = items.entries();
  const worker = async () => {
    for (const [index, item] of queue) {
      try {
        results[index] = { status: 'fulfilled', value: await work(item) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
