import type { CycleRegistry } from '../adapters/cycle-registry';
import { logger } from '../adapters/telemetry';
import { cycleKeys } from '../contracts/keys';
import type { AppOutcome, BatchRef, CycleRef, RotateBatchOutput } from '../contracts/steps';
import { settleWithConcurrency } from '../core/cycle';
import type { RotationPolicy } from '../core/due';
import { AppsFailedError, CycleBusyError, describeError } from '../core/errors';
import { batchApps } from './batches';
import { type RotationPorts, rotateApp } from './rotate-app';

export interface RotateBatchPorts extends RotationPorts {
  cycles: CycleRegistry;
  settings: { batchConcurrency: number; cycleGuard: 'stepfunctions' | 'off' };
}

/**
 * Rotates every app of one batch with bounded concurrency. One app's failure is recorded and never
 * stops the others; on the retry pass the batch then fails so Step Functions (and redrive) see it.
 */
export async function rotateBatch(
  ports: RotateBatchPorts,
  request: { cycle: CycleRef; batch: BatchRef; retry: boolean; policy: RotationPolicy },
): Promise<RotateBatchOutput> {
  const { cycle, batch, retry } = request;
  if (retry && ports.settings.cycleGuard === 'stepfunctions') {
    // A redrive may come long after its cycle; never rotate alongside a cycle that is running now.
    // Unlike StartCycle, a retry yields to every other running cycle, earlier or later.
    const running = await ports.cycles.running(cycle.stateMachineArn);
    if (running.some((other) => other.executionArn !== cycle.executionArn)) {
      throw new CycleBusyError('another Mint cycle is running; the retry waits for it to finish');
    }
  }
  const apps = await batchApps(batch, ports.bucket);
  const results = await settleWithConcurrency(apps, ports.settings.batchConcurrency, async (app) => {
    const current = retry ? { ...app, tags: await ports.identity.userTags(app.userName) } : app;
    return rotateApp(ports, current, {
      policy: request.policy,
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
  if (!batch.apps) await ports.bucket.putJson(cycleKeys.outcome(batch.key), outcomes);

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
