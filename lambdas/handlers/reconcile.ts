import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { stagedAppId } from '../contracts/keys';
import { buildStatusDocument } from '../core/app-status';
import { parsedAppsSchema } from '../core/apps';
import { chunk, cycleKeys } from '../core/cycle';
import { describeCyclePlan } from '../core/cycle-plan';
import { planDueApps } from '../core/due';
import { METRICS } from '../core/metrics';
import { OWNERS_KEY } from '../core/owners';
import { describeUserQuota, type UserQuota } from '../core/user-quota';
import {
  type GrantChange,
  grantOwnerAccess,
  newUserReaderTags,
  readOwnerMapping,
} from '../services/grant-owner-access';
import { reconcileServiceUsers } from '../services/reconcile-service-users';
import { writeStatusIfChanged } from '../services/write-status';
import { appsRefSchema, type BatchRef, cycleSchema, parseEvent } from './events';
import { retryFailedServiceUsers } from './retry-service-users';
import { getRuntime, logger, metrics, mintHandler } from './runtime';

const REPORTED = 20;

export interface ReconcileResultRef {
  /** References to the batch files of due apps: the Map's items. Empty on a dry run. */
  batches: BatchRef[];
  due: number;
  /** The first users created, deleted and repaired (at most 20 each); the counts are complete. */
  created: string[];
  createdCount: number;
  deleted: string[];
  deletedCount: number;
  repaired: string[];
  repairedCount: number;
  toCreate: number;
  toDelete: number;
  deletionsBlocked?: { wanted: number; cap: number };
  /** Users under Mint's path without a valid `mint:app-id` tag: never acted on. */
  unmanagedUsers: string[];
  unmanagedCount: number;
  /** Users kept because an invalid or repeated Kio entry names their app: not rotated, not deleted. */
  heldUsers: string[];
  heldCount: number;
  failureCount: number;
  failures: { appId: string; step: string; error: string }[];
  /** Every app that failed (up to 1,000): what RetryServiceUsers, and a redrive of it, takes again. */
  failedApps: string[];
  /** More than 1,000 failed: RetryServiceUsers then reconciles every app again. */
  failedAppsTruncated: boolean;
  /** `_mint/owners.json` could not be applied. */
  ownersFailed: boolean;
  /** Reader accounts changed this cycle, and active apps no account outside Mint's can read. */
  grants: {
    changed: number;
    changes: GrantChange[];
    unreadableCount: number;
    unreadable: string[];
    /** Why `_mint/owners.json` was not applied: then no grant changed. */
    ownersError?: string;
  };
  /** The account's IAM users against its users-per-account quota; `warning` from 90 %. */
  userQuota: UserQuota & { warning?: string };
  dryRun: boolean;
  /** A dry run's full plan (`_mint/cycles/<id>/plan.json`). */
  planKey?: string;
}

/** Makes service users match Kio, then splits the due apps into batch files for the rotation Map. */
export async function reconcile(event: unknown): Promise<ReconcileResultRef> {
  const { cycle, apps } = parseEvent(
    z.object({ cycle: cycleSchema, apps: appsRefSchema }),
    event,
    'Reconcile',
  );
  const runtime = getRuntime();
  const { settings } = runtime;
  const kio = parseEvent(parsedAppsSchema, await runtime.bucket.getJson(apps.key), `Reconcile (${apps.key})`);
  const owners = await readOwnerMapping(runtime.bucket);
  const result = await reconcileServiceUsers(runtime, {
    kio,
    boundaryArn: settings.boundaryArn,
    maxDeletions: settings.maxDeletionsPerCycle,
    onlyApps: cycle.options.apps,
    dryRun: cycle.options.dryRun,
    newUserTags: newUserReaderTags(owners, kio.apps),
  });
  if (result.plan.held.length > 0) {
    logger.warn('users kept: an invalid or repeated Kio entry names their app', {
      count: result.plan.held.length,
      users: result.plan.held.slice(0, REPORTED).map((ref) => ref.userName),
    });
  }
  if (result.plan.unmanaged.length > 0) {
    logger.warn("users under Mint's path without a valid mint:app-id tag: left alone", {
      count: result.plan.unmanaged.length,
      users: result.plan.unmanaged.slice(0, REPORTED),
    });
  }
  const quotaWarning = describeUserQuota(result.userQuota);
  if (quotaWarning) logger.warn(quotaWarning, { ...result.userQuota });
  if (result.plan.deletionsBlocked) {
    logger.error('deletions blocked by the per-cycle cap; nothing was deleted', {
      ...result.plan.deletionsBlocked,
    });
  }
  const grants = await grantOwnerAccess(runtime, {
    apps: kio.apps,
    users: result.users,
    owners,
    dryRun: cycle.options.dryRun,
  });
  const { users } = grants;
  const failures = [
    ...result.failures,
    ...grants.failures,
    ...(grants.ownersError ? [{ appId: OWNERS_KEY, step: 'read-owners', error: grants.ownersError }] : []),
  ];
  for (const failure of failures) logger.error('service user not reconciled', failure);
  if (grants.unreadable.length > 0) {
    logger.warn('apps no account outside Mint can read: their team has no owner account', {
      count: grants.unreadable.length,
      apps: grants.unreadable.slice(0, REPORTED),
    });
  }
  // One listing finds every unfinished rotation (a crash, a failure): repaired now, due or not, and
  // shown in the status until then.
  const stages = new Map(
    (await runtime.bucket.listKeys(cycleKeys.pendingFolder)).flatMap(({ key, lastModified }) => {
      const appId = stagedAppId(key);
      return appId ? [[appId, lastModified] as const] : [];
    }),
  );
  const staged = new Set(stages.keys());
  if (!cycle.options.dryRun) {
    // Every app's state as of this cycle's start: the previous cycles' attempts, counted on the users.
    const granted = new Map(users.map((user) => [user.appId, user.tags]));
    await writeStatusIfChanged(
      runtime.bucket,
      buildStatusDocument({
        users: result.managed.map((user) => ({ ...user, tags: granted.get(user.appId) ?? user.tags })),
        failures: [...result.failures, ...grants.failures],
        cycle: cycle.id,
        now: runtime.now(),
        unfinished: stages,
      }),
    );
  }

  const due = planDueApps(users, settings.policy, runtime.now(), {
    staged,
    force: cycle.options.force,
    revokePrevious: cycle.options.revokePrevious,
    onlyApps: cycle.options.apps,
  });
  let planKey: string | undefined;
  if (cycle.options.dryRun) {
    planKey = cycleKeys.plan(cycle.id);
    await runtime.bucket.putJson(
      planKey,
      describeCyclePlan(result.plan, due, settings.policy, runtime.now(), {
        force: cycle.options.force,
        revokePrevious: cycle.options.revokePrevious,
        grants: { changes: grants.changes, unreadable: grants.unreadable },
        ownersError: grants.ownersError,
        userQuota: result.userQuota,
      }),
    );
  }
  const batches: BatchRef[] = [];
  if (!cycle.options.dryRun && due.length > 0 && due.length <= settings.batchSize) {
    batches.push({ key: cycleKeys.batch(cycle.id, 0), size: due.length, apps: due });
  } else if (!cycle.options.dryRun) {
    for (const [index, apps] of chunk(due, settings.batchSize).entries()) {
      const key = cycleKeys.batch(cycle.id, index);
      await runtime.bucket.putJson(key, apps);
      batches.push({ key, size: apps.length });
    }
  }

  metrics.addMetric('UsersCreated', MetricUnit.Count, result.created.length);
  metrics.addMetric('UsersDeleted', MetricUnit.Count, result.deleted.length);
  metrics.addMetric(METRICS.deletionsBlocked, MetricUnit.Count, result.plan.deletionsBlocked ? 1 : 0);
  metrics.addMetric('AppsDue', MetricUnit.Count, due.length);
  metrics.addMetric(METRICS.userQuotaUsed, MetricUnit.Percent, result.userQuota.percent);
  metrics.addMetric('GrantsChanged', MetricUnit.Count, grants.changes.length);
  if (!grants.ownersError) metrics.addMetric('AppsUnreadable', MetricUnit.Count, grants.unreadable.length);
  return {
    batches,
    due: due.length,
    created: result.created.slice(0, REPORTED),
    createdCount: result.created.length,
    deleted: result.deleted.slice(0, REPORTED),
    deletedCount: result.deleted.length,
    repaired: result.repaired.slice(0, REPORTED),
    repairedCount: result.repaired.length,
    toCreate: result.plan.create.length,
    toDelete: result.plan.delete.length,
    ...(result.plan.deletionsBlocked ? { deletionsBlocked: result.plan.deletionsBlocked } : {}),
    unmanagedUsers: result.plan.unmanaged.slice(0, REPORTED),
    unmanagedCount: result.plan.unmanaged.length,
    heldUsers: result.plan.held.slice(0, REPORTED).map((ref) => ref.userName),
    heldCount: result.plan.held.length,
    failureCount: failures.length,
    failures: failures.slice(0, REPORTED),
    ...listFailedApps(failures.map((f) => f.appId).filter((id) => id !== OWNERS_KEY)),
    ownersFailed: grants.ownersError !== undefined,
    grants: {
      changed: grants.changes.length,
      changes: grants.changes.slice(0, REPORTED),
      unreadableCount: grants.unreadable.length,
      unreadable: grants.unreadable.slice(0, REPORTED),
      ...(grants.ownersError ? { ownersError: grants.ownersError } : {}),
    },
    userQuota: { ...result.userQuota, ...(quotaWarning ? { warning: quotaWarning } : {}) },
    dryRun: cycle.options.dryRun,
    ...(planKey ? { planKey } : {}),
  };
}

/** At most 1,000 ids travel in the state (their size stays far below 256 KB); beyond, all are retried. */
function listFailedApps(ids: readonly string[]): { failedApps: string[]; failedAppsTruncated: boolean } {
  const unique = [...new Set(ids)];
  return { failedApps: unique.slice(0, 1000), failedAppsTruncated: unique.length > 1000 };
}

/** The same function serves RetryServiceUsers (same permissions, same code): `phase` tells them apart. */
export const handler = mintHandler(
  (event: unknown): Promise<ReconcileResultRef | { retried: number }> =>
    (event as { phase?: unknown } | null)?.phase === 'retry'
      ? retryFailedServiceUsers(event)
      : reconcile(event),
);
