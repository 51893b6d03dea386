import * as z from 'zod';
import { cycleKeys, settleWithConcurrency } from '../core/cycle';
import { AppsFailedError, CycleBusyError, describeError } from '../core/errors';
import { type AppOutcome, rotateApp } from '../services/rotate-app';
import { batchApps, batchRefSchema, cycleSchema, parseEvent } from './events';
import { getRuntime, logger, mintHandler } from './runtime';

const eventSchema = z.object({
  cycle: cycleSchema,
  batch: batchRefSchema,
  /** Set on the retry pass: refresh each app's state and fail (so redrive can retry) if any app fails. */
  retry: z.boolean().default(false),
});

/**
 * A Map iteration's output, kept small because the Map collects one per batch: an inline batch
 * returns its outcomes (at most batchSize), a batch from a file stores them beside it.
 */
export type BatchResult = { outcomes: AppOutcome[] } | { failed: number };

/**
 * Rotates every app of one batch with bounded concurrency. One app's failure is recorded and never
 * stops the others; on the retry pass the batch then fails so Step Functions (and redrive) see it.
 */
export async function rotateBatch(event: unknown): Promise<BatchResult> {
  const { cycle, batch, retry } = parseEvent(eventSchema, event, 'RotateBatch');
  const runtime = getRuntime();
  if (retry && runtime.settings.cycleGuard === 'stepfunctions') {
    // A redrive may come long after its cycle; never rotate alongside a cycle that is running now.
    // Unlike StartCycle, a retry yields to every other running cycle, earlier or later.
    const running = await runtime.cycles.running(cycle.stateMachineArn);
    if (running.some((other) => other.executionArn !== cycle.executionArn)) {
      throw new CycleBusyError('another Mint cycle is running; the retry waits for it to finish');
    }
  }
  const apps = await batchApps(batch, runtime.bucket);
  const results = await settleWithConcurrency(apps, runtime.settings.batchConcurrency, async (app) => {
    const current = retry ? { ...app, tags: await runtime.identity.userTags(app.userName) } : app;
    return rotateApp(runtime, current, {
      policy: runtime.settings.policy,
      force: cycle.options.force,
      revokePrevious: cycle.options.revokePrevious,
      executionArn: cycle.executionArn,
      cycleId: cycle.id,
      cycleStartedAt: cycle.startedAt,
    });
  });
  const outcomes: AppOutcome[] = results.map((result, index) =>
    result.status === 'fulfilled'
      ? result.value
      : {
          appId: apps[index]?.appId ?? '?',
          status: 'failed',
          step: 'refresh',
          error: describeError(result.reason),
        },
  );
  if (!batch.apps) await runtime.bucket.putJson(cycleKeys.outcome(batch.key), outcomes);

  const failed = outcomes.filter((o) => o.status === 'failed');
  for (const outcome of outcomes) {
    if (outcome.status === 'failed') logger.error('app not served', { ...outcome });
    else if (outcome.status !== 'unchanged') logger.info('app served', { ...outcome });
  }
  if (retry && failed.length > 0) {
    throw new AppsFailedError(
      `${failed.length} app(s) still failing: ${failed
        .slice(0, 10)
        .map((o) => `${o.appId} at ${o.step} (${o.error})`)
        .join('; ')}`,
    );
  }
  return batch.apps ? { outcomes } : { failed: failed.length };
}

export const handler = mintHandler(rotateBatch);
