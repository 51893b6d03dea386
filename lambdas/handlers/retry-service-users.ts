import * as z from 'zod';
import { parsedAppsSchema } from '../core/apps';
import { ServiceUsersNotReconciledError } from '../core/errors';
import { retryServiceUsers } from '../services/retry-service-users';
import { appsRefSchema, cycleSchema, parseEvent } from './events';
import { reconcileCause } from './report';
import { getRuntime, logger } from './runtime';

export const retryEventSchema = z.object({
  phase: z.literal('retry'),
  cycle: cycleSchema,
  apps: appsRefSchema,
  /** The apps whose user could not be created, repaired, deleted or granted in ReconcileServiceUsers. */
  failedApps: z.array(z.string()),
  /** `_mint/owners.json` could not be applied. */
  ownersFailed: z.boolean(),
});

/**
 * RetryServiceUsers: the users ReconcileServiceUsers could not reconcile, once more, from the same Kio
 * snapshot and only those. A failure ends the execution here, so a redrive runs exactly this again.
 */
export async function retryFailedServiceUsers(event: unknown): Promise<{ retried: number }> {
  const { apps, failedApps, ownersFailed } = parseEvent(retryEventSchema, event, 'RetryServiceUsers');
  const runtime = getRuntime();
  const kio = parseEvent(
    parsedAppsSchema,
    await runtime.bucket.getJson(apps.key),
    `RetryServiceUsers (${apps.key})`,
  );
  const failures = await retryServiceUsers(runtime, {
    kio,
    failedApps,
    ownersFailed,
    boundaryArn: runtime.settings.boundaryArn,
    maxDeletions: runtime.settings.maxDeletionsPerCycle,
  });
  for (const failure of failures) logger.error('service user still not reconciled', failure);
  if (failures.length > 0)
    throw new ServiceUsersNotReconciledError(reconcileCause(failures.length, failures.slice(0, 20)));
  return { retried: failedApps.length };
}
