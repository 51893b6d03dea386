import * as z from 'zod';
import type { RecordedNames } from '../contracts/documents';
import type { AppOutcome, DueApp, ReconcileFailure, ReconcileOutput } from '../contracts/steps';

/** How many names each list of the report keeps; the counts are always complete. */
export const REPORTED = 20;

/** The cause Step Functions records when a Lambda function fails: its error document. */
const lambdaErrorSchema = z.object({ errorMessage: z.string() });

/** One list of the report: the full count, the first names, and whether names were left out. */
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
export function reconcileCause(count: number, failures: readonly ReconcileFailure[]): string {
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
    const parsed = lambdaErrorSchema.safeParse(JSON.parse(message));
    if (parsed.success) message = parsed.data.errorMessage;
  } catch {
    // Not a Lambda error document: keep the cause as it is.
  }
  const error = `${lost.error}: ${message}`.slice(0, 300);
  return apps.map((app) => ({ appId: app.appId, status: 'failed', step: 'batch-lost', error }));
}

/**
 * One cycle's Reconcile output when it ran more than once (`more`): the later invocation's state (its
 * batches, plan, grants, quota) with the earlier ones' users and failures added. An app that failed
 * earlier is not attempted again in the cycle, and a grant failure recomputed later is counted once:
 * failures are counted per app, and the owner mapping as failed if any invocation could not apply it.
 */
export function mergeReconcileOutputs(previous: ReconcileOutput, next: ReconcileOutput): ReconcileOutput {
  const names = (a: string[], b: string[]) => [...a, ...b].slice(0, REPORTED);
  const known = new Set(previous.failedApps);
  const seen = new Set(previous.failures.map((f) => `${f.appId} ${f.step}`));
  const newApps = next.failedApps.filter((appId) => !known.has(appId));
  const failures = [...previous.failures, ...next.failures.filter((f) => !seen.has(`${f.appId} ${f.step}`))];
  const failedApps = [...previous.failedApps, ...newApps];
  const ownersAgain = previous.ownersFailed && next.ownersFailed;
  return {
    ...next,
    created: names(previous.created, next.created),
    createdCount: previous.createdCount + next.createdCount,
    deleted: names(previous.deleted, next.deleted),
    deletedCount: previous.deletedCount + next.deletedCount,
    repaired: names(previous.repaired, next.repaired),
    repairedCount: previous.repairedCount + next.repairedCount,
    toCreate: Math.max(previous.toCreate, next.toCreate),
    toDelete: Math.max(previous.toDelete, next.toDelete),
    failureCount: previous.failureCount + newApps.length + (next.ownersFailed && !ownersAgain ? 1 : 0),
    failures: failures.slice(0, REPORTED),
    failedApps: failedApps.slice(0, 1000),
    failedAppsTruncated: previous.failedAppsTruncated || next.failedAppsTruncated || failedApps.length > 1000,
    ownersFailed: previous.ownersFailed || next.ownersFailed,
  };
}
