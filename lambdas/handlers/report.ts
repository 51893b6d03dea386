import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { chunk, cycleKeys } from '../core/cycle';
import type { DueApp } from '../core/due';
import { METRICS } from '../core/metrics';
import { userQuotaSchema } from '../core/user-quota';
import type { AppOutcome } from '../services/rotate-app';
import { type BatchRef, batchApps, batchRefSchema, cycleSchema, parseEvent } from './events';
import { getRuntime, logger, metrics, mintHandler } from './runtime';

/** How many names each list of the report keeps; the counts are always complete. */
const REPORTED = 20;

const eventSchema = z.object({
  cycle: cycleSchema,
  apps: z.object({
    invalidCount: z.number(),
    invalid: z.array(z.object({ ref: z.string(), reason: z.string() })),
  }),
  reconcile: z.object({
    batches: z.array(batchRefSchema),
    failureCount: z.number(),
    failures: z.array(z.object({ appId: z.string(), step: z.string(), error: z.string() })),
    deletionsBlocked: z.object({ wanted: z.number(), cap: z.number() }).optional(),
    // The first names of each list, and its full count (an older Reconcile sent only the names).
    created: z.array(z.string()).default([]),
    createdCount: z.number().int().nonnegative().optional(),
    deleted: z.array(z.string()).default([]),
    deletedCount: z.number().int().nonnegative().optional(),
    repaired: z.array(z.string()).default([]),
    repairedCount: z.number().int().nonnegative().optional(),
    unmanagedUsers: z.array(z.string()).default([]),
    unmanagedCount: z.number().int().nonnegative().optional(),
    heldUsers: z.array(z.string()).default([]),
    heldCount: z.number().int().nonnegative().optional(),
    grants: z
      .object({
        changed: z.number(),
        changes: z.array(z.object({ appId: z.string(), from: z.array(z.string()), to: z.array(z.string()) })),
        unreadableCount: z.number(),
        unreadable: z.array(z.string()),
        ownersError: z.string().optional(),
      })
      .optional(),
    userQuota: userQuotaSchema.extend({ warning: z.string().optional() }).optional(),
    dryRun: z.boolean(),
  }),
  /** RotateDueApps' results, one per batch in order: inline batches carry their outcomes. */
  rotation: z
    .array(
      z
        .object({
          outcomes: z.array(z.unknown()).optional(),
          /** The batch's function died (BatchLost): its apps are failed with this cause. */
          lost: z.object({ error: z.string(), cause: z.string().optional() }).optional(),
        })
        .nullable(),
    )
    .default([]),
});

export interface ReportResult {
  reportKey: string;
  rotated: number;
  /** Apps whose previous access key was deleted this cycle, whether or not they also rotated. */
  retired: number;
  failedApps: number;
  /** Batches of only the failed apps: the retry Map's items, so a redrive re-attempts exactly those. */
  retryBatches: BatchRef[];
  reconcileFailures: number;
  /** The ServiceUsersNotReconciled Fail state's cause: which users, which step, which error. */
  reconcileCause: string;
  deletionsBlocked: boolean;
  /** Failed apps with step and error, for the execution's output and the Fail state's cause. */
  failures: string[];
}

/** One list of the report: the full count, the first names, and whether names were left out. */
export interface RecordedNames {
  count: number;
  names: string[];
  truncated: boolean;
}

export function recordNames(names: readonly string[], count = names.length): RecordedNames {
  const kept = names.slice(0, REPORTED);
  return {
    count: Math.max(count, names.length),
    names: kept,
    truncated: Math.max(count, names.length) > kept.length,
  };
}

/**
 * Names the users that could not be created, deleted or granted, or the owner mapping that could not be
 * applied, with step and error, within a Fail cause's size.
 */
export function reconcileCause(
  count: number,
  failures: { appId: string; step: string; error: string }[],
): string {
  if (count === 0) return '';
  const listed = failures.map((f) => `${f.appId} (${f.step}: ${f.error})`).join('; ');
  const more = count > failures.length ? ` and ${count - failures.length} more (see the cycle report)` : '';
  return `${count} service user(s) or access grant(s) not reconciled: ${listed}${more}. The next cycle retries them.`;
}

/**
 * The outcomes of a batch whose function died before it could say: every app failed, with the cause
 * Step Functions caught (its error name and, shortened, the message; never a secret, which the
 * function never returns).
 */
export function lostBatchOutcomes(
  apps: readonly DueApp[],
  lost: { error: string; cause?: string },
): AppOutcome[] {
  let message = lost.cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not a Lambda error document: keep the cause as it is.
  }
  const error = `${lost.error}: ${message}`.slice(0, 300);
  return apps.map((app) => ({ appId: app.appId, status: 'failed', step: 'batch-lost', error }));
}

/** Gathers every app's outcome, writes the cycle report and prepares the retry of failed apps. */
export async function report(event: unknown): Promise<ReportResult> {
  const { cycle, apps, reconcile, rotation } = parseEvent(eventSchema, event, 'Report');
  const runtime = getRuntime();
  const outcomes: AppOutcome[] = [];
  const failedApps: DueApp[] = [];
  for (const [index, batch] of reconcile.batches.entries()) {
    const lost = rotation[index]?.lost;
    const batchOutcomes = lost
      ? lostBatchOutcomes(await batchApps(batch, runtime.bucket), lost)
      : ((rotation[index]?.outcomes ??
          (await runtime.bucket.getJson(cycleKeys.outcome(batch.key))) ??
          []) as AppOutcome[]);
    outcomes.push(...batchOutcomes);
    const failedIds = new Set(batchOutcomes.filter((o) => o.status === 'failed').map((o) => o.appId));
    if (failedIds.size > 0) {
      const dueApps = await batchApps(batch, runtime.bucket);
      failedApps.push(...dueApps.filter((app) => failedIds.has(app.appId)));
    }
  }
  const retryBatches: BatchRef[] = [];
  for (const [index, apps] of chunk(failedApps, runtime.settings.batchSize).entries()) {
    const key = cycleKeys.retryBatch(cycle.id, index);
    await runtime.bucket.putJson(key, apps);
    retryBatches.push({ key, size: apps.length });
  }
  const failures = [
    ...outcomes.filter((o) => o.status === 'failed').map((o) => `${o.appId}: ${o.step}: ${o.error}`),
    ...reconcile.failures.map((f) => `${f.appId}: ${f.step}: ${f.error}`),
  ];
  const count = (status: AppOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  // An app can rotate and retire its previous key in the same attempt; both are counted.
  const retired = outcomes.filter((o) => (o.retiredKeyIds?.length ?? 0) > 0).length;
  const reportKey = cycleKeys.report(cycle.id);
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
    ...reconciled
  } = reconcile;
  await runtime.bucket.putJson(reportKey, {
    cycle: cycle.id,
    startedAt: cycle.startedAt,
    finishedAt: runtime.now().toISOString(),
    options: cycle.options,
    invalidApps: apps.invalid,
    invalidAppCount: apps.invalidCount,
    invalidAppsTruncated: apps.invalidCount > apps.invalid.length,
    // What this cycle did to service users: counts always, the first names, and whether names were left out.
    users: {
      created: recordNames(created, createdCount),
      deleted: recordNames(deleted, deletedCount),
      repaired: recordNames(repaired, repairedCount),
      // Kept because an invalid or repeated Kio entry names their app; never acted on otherwise.
      held: recordNames(heldUsers, heldCount),
      // Under Mint's path without a valid mint:app-id tag: never acted on.
      unmanaged: recordNames(unmanagedUsers, unmanagedCount),
    },
    // Batch references only: an inline batch's apps are already listed in the outcomes.
    reconcile: { ...reconciled, batches: reconcile.batches.map(({ key, size }) => ({ key, size })) },
    outcomes,
  });
  // Counted here once per cycle, not per batch: a retried batch would count its apps twice.
  metrics.addMetric('AppsRotated', MetricUnit.Count, count('rotated'));
  metrics.addMetric('AppsRetired', MetricUnit.Count, retired);
  metrics.addMetric(METRICS.appsFailed, MetricUnit.Count, failedApps.length + reconcile.failureCount);
  metrics.addMetric('AppsSkippedInvalid', MetricUnit.Count, apps.invalidCount);
  const result: ReportResult = {
    reportKey,
    rotated: count('rotated'),
    retired,
    failedApps: failedApps.length,
    retryBatches,
    reconcileFailures: reconcile.failureCount,
    reconcileCause: reconcileCause(reconcile.failureCount, reconcile.failures),
    deletionsBlocked: reconcile.deletionsBlocked !== undefined,
    failures: failures.slice(0, 20),
  };
  logger.info('cycle report', { cycle: cycle.id, ...result, failures: undefined });
  return result;
}

const retryEventSchema = z.object({
  phase: z.literal('retry'),
  cycle: cycleSchema,
  report: z.object({ reportKey: z.string().startsWith('_mint/'), retryBatches: z.array(batchRefSchema) }),
});

/**
 * After RetryFailedApps succeeded: adds the retry pass's outcomes to the cycle report, so that it no
 * longer reads as if the first pass's failures were the end of it.
 */
export async function recordRetry(event: unknown): Promise<{ recovered: number }> {
  const { cycle, report: ref } = parseEvent(retryEventSchema, event, 'RecordRetry');
  const runtime = getRuntime();
  const outcomes: AppOutcome[] = [];
  for (const batch of ref.retryBatches) {
    outcomes.push(...(((await runtime.bucket.getJson(cycleKeys.outcome(batch.key))) ?? []) as AppOutcome[]));
  }
  const recovered = outcomes.filter((o) => o.status !== 'failed').map((o) => o.appId);
  const previous = ((await runtime.bucket.getJson(ref.reportKey)) ?? {}) as Record<string, unknown>;
  await runtime.bucket.putJson(ref.reportKey, {
    ...previous,
    retry: { finishedAt: runtime.now().toISOString(), recovered, outcomes },
  });
  logger.info('retry pass recorded', { cycle: cycle.id, recovered: recovered.length });
  return { recovered: recovered.length };
}

const isRetryPhase = (event: unknown) => (event as { phase?: unknown } | null)?.phase === 'retry';

/** One function, two steps: Report after the first pass, RecordRetry after a successful retry pass. */
export const handler = mintHandler(
  (event: unknown): Promise<ReportResult | { recovered: number }> =>
    isRetryPhase(event) ? recordRetry(event) : report(event),
);
