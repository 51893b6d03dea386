import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BucketStore } from '../adapters/object-store';
import { logger, metrics } from '../adapters/telemetry';
import { batchOutcomesSchema, type CycleReport, cycleReportSchema } from '../contracts/documents';
import { cycleKeys } from '../contracts/keys';
import type { AppOutcome, CycleRef, DueApp, ReportInput, ReportOutput } from '../contracts/steps';
import { lostBatchOutcomes, REPORTED, reconcileCause, recordNames } from '../core/cycle-report';
import { METRICS } from '../core/metrics';
import { batchApps, writeBatches } from './batches';

export interface ReportPorts {
  bucket: BucketStore;
  now(): Date;
  settings: { batchSize: number; mapConcurrency: number };
}

/** Gathers every app's outcome, writes the cycle report and prepares the retry of failed apps. */
export async function writeCycleReport(ports: ReportPorts, input: ReportInput): Promise<ReportOutput> {
  const { cycle, apps, reconcile, rotation } = input;
  const outcomes: AppOutcome[] = [];
  const failedApps: DueApp[] = [];
  for (const [index, batch] of reconcile.batches.entries()) {
    const result = rotation[index];
    // Read a batch file at most once, whether for a lost batch's apps or for its failed ones.
    let dueApps: DueApp[] | undefined;
    const appsOf = async () => {
      dueApps ??= await batchApps(batch, ports.bucket);
      return dueApps;
    };
    const batchOutcomes = result?.lost
      ? lostBatchOutcomes(await appsOf(), result.lost)
      : (result?.outcomes ??
        (await ports.bucket.getJson(cycleKeys.outcome(batch.key), batchOutcomesSchema)) ??
        []);
    outcomes.push(...batchOutcomes);
    const failedIds = new Set(batchOutcomes.filter((o) => o.status === 'failed').map((o) => o.appId));
    if (failedIds.size > 0) {
      failedApps.push(...(await appsOf()).filter((app) => failedIds.has(app.appId)));
    }
  }
  const retryBatches = await writeBatches(ports.bucket, failedApps, {
    size: ports.settings.batchSize,
    mapConcurrency: ports.settings.mapConcurrency,
    keyOf: (index) => cycleKeys.retryBatch(cycle.id, index),
  });
  const failures = [
    ...outcomes.filter((o) => o.status === 'failed').map((o) => `${o.appId}: ${o.step}: ${o.error}`),
    ...reconcile.failures.map((f) => `${f.appId}: ${f.step}: ${f.error}`),
  ];
  const count = (status: AppOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  // An app can rotate and retire its previous key in the same attempt; both are counted.
  const retired = outcomes.filter((o) => (o.retiredKeyIds?.length ?? 0) > 0).length;
  const reportKey = cycleKeys.report(cycle.id);
  await ports.bucket.putJson(reportKey, buildReport(input, outcomes, ports.now()));
  // Counted here once per cycle, not per batch: a retried batch would count its apps twice.
  metrics.addMetric('AppsRotated', MetricUnit.Count, count('rotated'));
  metrics.addMetric('AppsRetired', MetricUnit.Count, retired);
  metrics.addMetric(METRICS.appsFailed, MetricUnit.Count, failedApps.length + reconcile.failureCount);
  metrics.addMetric('AppsSkippedInvalid', MetricUnit.Count, apps.invalidCount);
  const result: ReportOutput = {
    reportKey,
    rotated: count('rotated'),
    retired,
    failedApps: failedApps.length,
    retryBatches,
    reconcileFailures: reconcile.failureCount,
    reconcileCause: reconcileCause(reconcile.failureCount, reconcile.failures),
    deletionsBlocked: reconcile.deletionsBlocked !== undefined,
    failures: failures.slice(0, REPORTED),
  };
  logger.info('cycle report', { cycle: cycle.id, ...result, failures: undefined });
  return result;
}

/** The report document: everything the steps produced, the name lists gathered under `users`. */
function buildReport(input: ReportInput, outcomes: AppOutcome[], now: Date): CycleReport {
  const { cycle, apps, reconcile } = input;
  const {
    created,
    createdCount,
    deleted,
    deletedCount,
    repaired,
    repairedCount,
    unmanagedUsers,
    unmanagedCount,
    heldUsers,
    heldCount,
    batches,
    ...reconciled
  } = reconcile;
  return cycleReportSchema.parse({
    cycle: cycle.id,
    startedAt: cycle.startedAt,
    finishedAt: now.toISOString(),
    options: cycle.options,
    invalidApps: apps.invalid,
    invalidAppCount: apps.invalidCount,
    invalidAppsTruncated: apps.invalidCount > apps.invalid.length,
    users: {
      created: recordNames(created, createdCount),
      deleted: recordNames(deleted, deletedCount),
      repaired: recordNames(repaired, repairedCount),
      held: recordNames(heldUsers, heldCount),
      unmanaged: recordNames(unmanagedUsers, unmanagedCount),
    },
    // Batch references only: an inline batch's apps are already listed in the outcomes.
    reconcile: { ...reconciled, batches: batches.map(({ key, size }) => ({ key, size })) },
    outcomes,
  });
}

/**
 * RecordRetry, after RetryFailedApps succeeded: adds the retry pass's outcomes to the cycle report, so
 * that it no longer reads as if the first pass's failures were the end of it.
 */
export async function recordRetry(
  ports: ReportPorts,
  input: { cycle: CycleRef; report: { reportKey: string; retryBatches: { key: string }[] } },
): Promise<{ recovered: number }> {
  const outcomes: AppOutcome[] = [];
  for (const batch of input.report.retryBatches) {
    outcomes.push(...((await ports.bucket.getJson(cycleKeys.outcome(batch.key), batchOutcomesSchema)) ?? []));
  }
  const recovered = outcomes.filter((o) => o.status !== 'failed').map((o) => o.appId);
  const previous = await ports.bucket.getJson(input.report.reportKey, cycleReportSchema);
  if (previous) {
    await ports.bucket.putJson(input.report.reportKey, {
      ...previous,
      retry: { finishedAt: ports.now().toISOString(), recovered, outcomes },
    });
  }
  logger.info('retry pass recorded', { cycle: input.cycle.id, recovered: recovered.length });
  return { recovered: recovered.length };
}
