import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IdentityStore } from '../adapters/identity-store';
import type { BucketStore } from '../adapters/object-store';
import { logger, metrics } from '../adapters/telemetry';
import { appsSnapshotSchema } from '../contracts/documents';
import { cycleKeys, OWNERS_KEY, stagedAppId } from '../contracts/keys';
import { creationWrites, rotationPolicy, type SettingValues, storeWriteRate } from '../contracts/settings';
import type { CycleRef, ReconcileOutput } from '../contracts/steps';
import { buildStatusDocument } from '../core/app-status';
import type { ParsedApps } from '../core/apps';
import { describeCyclePlan } from '../core/cycle-plan';
import { mergeReconcileOutputs, REPORTED } from '../core/cycle-report';
import { planDueApps } from '../core/due';
import { InvalidInputError } from '../core/errors';
import { METRICS } from '../core/metrics';
import { describeUserQuota } from '../core/user-quota';
import { writeBatches } from './batches';
import { grantOwnerAccess, newUserReaderTags, readOwnerMapping } from './grant-owner-access';
import { reconcileServiceUsers } from './reconcile-service-users';
import { writeStatusIfChanged } from './write-status';

export interface ReconcileCyclePorts {
  bucket: BucketStore;
  identity: IdentityStore;
  now(): Date;
  settings: Pick<
    SettingValues,
    | 'identityStore'
    | 'serviceUserGroup'
    | 'cognitoWritesPerSecond'
    | 'maxDeletionsPerCycle'
    | 'batchSize'
    | 'passwordMaxAgeHours'
    | 'accessKeyMaxAgeDays'
    | 'previousKeyGraceHours'
    | 'iamWritesPerSecond'
    | 'mapConcurrency'
  >;
}

/** The cycle's Kio snapshot, which ListApps wrote; missing is an error, never "no apps". */
export async function readAppsSnapshot(bucket: BucketStore, key: string): Promise<ParsedApps> {
  const snapshot = await bucket.getJson(key, appsSnapshotSchema);
  if (!snapshot) throw new InvalidInputError(`the cycle's Kio snapshot ${key} is missing; start a new cycle`);
  return snapshot;
}

/**
 * ReconcileServiceUsers: makes service users match Kio, grants owners, records every app's status,
 * and splits the due apps into batches for the rotation Map (on a dry run, writes the plan instead).
 */
export async function reconcileCycle(
  runtime: ReconcileCyclePorts,
  { cycle, apps, previous }: { cycle: CycleRef; apps: { key: string }; previous?: ReconcileOutput },
): Promise<ReconcileOutput> {
  const { settings } = runtime;
  const policy = rotationPolicy(settings);
  const kio = await readAppsSnapshot(runtime.bucket, apps.key);
  const owners = await readOwnerMapping(runtime.bucket);
  const result = await reconcileServiceUsers(runtime, {
    kio,
    maxDeletions: settings.maxDeletionsPerCycle,
    onlyApps: cycle.options.apps,
    dryRun: cycle.options.dryRun,
    newUserTags: newUserReaderTags(owners, kio.apps),
    maxCreations: creationBudget(storeWriteRate(settings), creationWrites(settings)),
    skipCreating: previous?.failedApps,
  });
  // Again only while it gets somewhere: an invocation that created nobody ends the loop, so refusals
  // that last (a quota, a policy) cannot keep the cycle in Reconcile.
  const more = result.createsLeft > 0 && result.created.length > 0;
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
    maxChanges: grantBudget(storeWriteRate(settings)),
  });
  const { users } = grants;
  if (grants.deferred) {
    logger.warn('reader-account changes left for the next invocation: more than the IAM write budget', {
      deferred: grants.deferred,
    });
  }
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

  const due = planDueApps(users, policy, runtime.now(), {
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
      describeCyclePlan(result.plan, due, policy, runtime.now(), {
        force: cycle.options.force,
        revokePrevious: cycle.options.revokePrevious,
        grants: { changes: grants.changes, unreadable: grants.unreadable },
        ownersError: grants.ownersError,
        userQuota: result.userQuota,
      }),
    );
  }
  // Rotation starts once every user exists: until then Reconcile runs again (`more`).
  const batches =
    cycle.options.dryRun || more
      ? []
      : await writeBatches(runtime.bucket, due, {
          size: settings.batchSize,
          mapConcurrency: settings.mapConcurrency,
          keyOf: (index) => cycleKeys.batch(cycle.id, index),
          inline: true,
        });

  metrics.addMetric('UsersCreated', MetricUnit.Count, result.created.length);
  metrics.addMetric('UsersDeleted', MetricUnit.Count, result.deleted.length);
  metrics.addMetric(METRICS.deletionsBlocked, MetricUnit.Count, result.plan.deletionsBlocked ? 1 : 0);
  metrics.addMetric('AppsDue', MetricUnit.Count, more ? 0 : due.length);
  metrics.addMetric(METRICS.userQuotaUsed, MetricUnit.Percent, result.userQuota.percent);
  metrics.addMetric('GrantsChanged', MetricUnit.Count, grants.changes.length);
  if (!grants.ownersError) metrics.addMetric('AppsUnreadable', MetricUnit.Count, grants.unreadable.length);
  const output: ReconcileOutput = {
    batches,
    due: more ? 0 : due.length,
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
      ...(grants.deferred ? { deferred: grants.deferred } : {}),
    },
    userQuota: { ...result.userQuota, ...(quotaWarning ? { warning: quotaWarning } : {}) },
    dryRun: cycle.options.dryRun,
    ...(planKey ? { planKey } : {}),
    more,
    createsLeft: result.createsLeft,
  };
  return previous ? mergeReconcileOutputs(previous, output) : output;
}

/**
 * Time Reconcile may spend creating users in one invocation, of its 10-minute timeout: at the paced
 * IAM rate this bounds the creations, so the invocation ends well inside its timeout.
 */
export const CREATION_SECONDS_PER_INVOCATION = 300;

export function creationBudget(writesPerSecond: number, writesPerCreation = 1): number {
  return Math.max(1, Math.floor((writesPerSecond * CREATION_SECONDS_PER_INVOCATION) / writesPerCreation));
}

/**
 * Reader-account changes one invocation may make (one IAM write each): 150 s at the paced rate, so
 * creations and grants together stay within 450 s of the 600 s timeout.
 */
export const GRANT_SECONDS_PER_INVOCATION = 150;

export function grantBudget(writesPerSecond: number): number {
  return Math.max(1, Math.floor(writesPerSecond * GRANT_SECONDS_PER_INVOCATION));
}

/** At most 1,000 ids travel in the state (their size stays far below 256 KB); beyond, all are retried. */
function listFailedApps(ids: readonly string[]): { failedApps: string[]; failedAppsTruncated: boolean } {
  const unique = [...new Set(ids)];
  return { failedApps: unique.slice(0, 1000), failedAppsTruncated: unique.length > 1000 };
}
