import * as z from 'zod';
import { parsedAppsSchema } from '../core/apps';
import { ServiceUsersNotReconciledError } from '../core/errors';
import { retryServiceUsers } from '../services/retry-service-users';
import { appsRefSchema, cycleSchema, parseEvent } from './events';
import { reconcileCause } from './report';
import { getRuntime, logger } from './runtime';

/** How old a cycle's Kio snapshot may be for a retry to still delete on it. */
export const SNAPSHOT_DELETES_MS = 3_600_000;

export const retryEventSchema = z.object({
  phase: z.literal('retry'),
  cycle: cycleSchema,
  apps: appsRefSchema,
  /** The apps whose user could not be created, repaired, deleted or granted in ReconcileServiceUsers. */
  failedApps: z.array(z.string()),
  /** More apps failed than `failedApps` lists: reconcile every app again. */
  failedAppsTruncated: z.boolean().default(false),
  /** `_mint/owners.json` could not be applied. */
  ownersFailed: z.boolean(),
});

/**
 * RetryServiceUsers: the users ReconcileServiceUsers could not reconcile, once more, from the same Kio
 * snapshot and only those. A failure ends the execution here, so a redrive runs exactly this again.
 */
export async function retryFailedServiceUsers(event: unknown): Promise<{ retried: number }> {
  const { cycle, apps, failedApps, failedAppsTruncated, ownersFailed } = parseEvent(
    retryEventSchema,
    event,
    'RetryServiceUsers',
  );
  const runtime = getRuntime();
  // A redrive can come days later: Kio may have changed since the snapshot, so it deletes nothing then
  // (the next scheduled cycle decides from a fresh answer); creation and grants are safe to retry.
  const deletions = runtime.now().getTime() - new Date(cycle.startedAt).getTime() < SNAPSHOT_DELETES_MS;
  const kio = parseEvent(
    parsedAppsSchema,
    await runtime.bucket.getJson(apps.key),
    `RetryServiceUsers (${apps.key})`,
  );
  const failures = await retryServiceUsers(runtime, {
    kio,
    ...(failedAppsTruncated ? {} : { failedApps }),
    deletions,
    ownersFailed,
    boundaryArn: runtime.settings.boundaryArn,
    maxDeletions: runtime.settings.maxDeletionsPerCycle,
  });
  for (const failure of failures) logger.error('service user still not reconciled', failure);
  if (failures.length > 0)
    throw new ServiceUsersNotReconciledError(reconcileCause(failures.length, failures.slice(0, 20)));
  return { retried: failedApps.length };
}
