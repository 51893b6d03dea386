import type * as z from 'zod';
import type { IdentityStore } from '../adapters/identity-store';
import type { BucketStore } from '../adapters/object-store';
import { logger } from '../adapters/telemetry';
import type { retryServiceUsersInputSchema } from '../contracts/steps';
import type { ParsedApps } from '../core/apps';
import { REPORTED, reconcileCause } from '../core/cycle-report';
import { ServiceUsersNotReconciledError } from '../core/errors';
import { OWNERS_KEY } from '../core/owners';
import { grantOwnerAccess, newUserReaderTags, readOwnerMapping } from './grant-owner-access';
import { type ReconcileCyclePorts, readAppsSnapshot } from './reconcile-cycle';
import { reconcileServiceUsers } from './reconcile-service-users';

export interface RetryServiceUsersRequest {
  kio: ParsedApps;
  /** The failed apps; undefined when there were too many to list: then every app is reconciled again. */
  failedApps?: readonly string[];
  /** False when the cycle's Kio snapshot is too old to delete anything on (a late redrive). */
  deletions: boolean;
  ownersFailed: boolean;
  maxDeletions: number;
}

/**
 * Reconciles only the apps that failed (the same plan, narrowed to them: nothing else is created or
 * deleted, however old the snapshot), and re-applies the owner mapping when it had failed. Returns
 * what still fails.
 */
export async function retryServiceUsers(
  ports: { identity: IdentityStore; bucket: BucketStore; now(): Date },
  request: RetryServiceUsersRequest,
): Promise<{ appId: string; step: string; error: string }[]> {
  const owners = await readOwnerMapping(ports.bucket);
  const result = await reconcileServiceUsers(ports, {
    kio: request.kio,
    maxDeletions: request.maxDeletions,
    ...(request.failedApps ? { onlyApps: request.failedApps } : {}),
    dryRun: false,
    deletions: request.deletions,
    newUserTags: newUserReaderTags(owners, request.kio.apps),
  });
  const active = new Set(request.kio.apps.filter((app) => app.active).map((app) => app.id));
  // A failed mapping is re-applied to every app; otherwise only the failed apps' grants are retried.
  const users = request.ownersFailed ? result.managed.filter((user) => active.has(user.appId)) : result.users;
  const grants = await grantOwnerAccess(ports, { apps: request.kio.apps, users, owners, dryRun: false });
  return [
    ...result.failures,
    ...grants.failures,
    ...(grants.ownersError ? [{ appId: OWNERS_KEY, step: 'read-owners', error: grants.ownersError }] : []),
  ];
}

/** How old a cycle's Kio snapshot may be for a retry to still delete on it. */
export const SNAPSHOT_DELETES_MS = 3_600_000;

/**
 * RetryServiceUsers: the users ReconcileServiceUsers could not reconcile, once more, from the same Kio
 * snapshot and only those. A failure ends the execution here, so a redrive runs exactly this again.
 */
export async function retryFailedServiceUsers(
  runtime: ReconcileCyclePorts,
  request: z.output<typeof retryServiceUsersInputSchema>,
): Promise<{ retried: number }> {
  const { cycle, apps, failedApps, failedAppsTruncated, ownersFailed } = request;
  // A redrive can come days later: Kio may have changed since the snapshot, so it deletes nothing then
  // (the next scheduled cycle decides from a fresh answer); creation and grants are safe to retry.
  const deletions = runtime.now().getTime() - new Date(cycle.startedAt).getTime() < SNAPSHOT_DELETES_MS;
  const kio = await readAppsSnapshot(runtime.bucket, apps.key);
  const failures = await retryServiceUsers(runtime, {
    kio,
    ...(failedAppsTruncated ? {} : { failedApps }),
    deletions,
    ownersFailed,
    maxDeletions: runtime.settings.maxDeletionsPerCycle,
  });
  for (const failure of failures) logger.error('service user still not reconciled', failure);
  if (failures.length > 0)
    throw new ServiceUsersNotReconciledError(reconcileCause(failures.length, failures.slice(0, REPORTED)));
  return { retried: failedApps.length };
}
