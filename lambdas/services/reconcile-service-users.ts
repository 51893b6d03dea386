import type { IdentityStore } from '../adapters/identity-store';
import type { BucketStore } from '../adapters/object-store';
import { cycleKeys } from '../contracts/keys';
import { assertBelievable, type ParsedApps } from '../core/apps';
import { removedAppCredentialsKey } from '../core/credentials';
import { describeError, UserQuotaReachedError } from '../core/errors';
import { planReconcile, type ReconcilePlan } from '../core/reconcile-plan';
import { appIdOf, type ServiceUser } from '../core/service-users';
import { quotaReachedMessage, type UserQuota, userQuota } from '../core/user-quota';

export interface ReconcileRequest {
  kio: ParsedApps;
  maxDeletions: number;
  onlyApps?: readonly string[];
  dryRun: boolean;
  /** False: plan deletions but carry none out (a redrive working from an old Kio snapshot). */
  deletions?: boolean;
  /** Tags a new user is created with (its reader accounts), so it needs no tag call of its own. */
  newUserTags?: (appId: string) => Record<string, string>;
  /**
   * Users this invocation may create: what the IAM write rate allows in a part of the function's
   * timeout. The rest wait for the next invocation (`createsLeft`), never failed.
   */
  maxCreations?: number;
  /** Apps whose creation already failed in this cycle (an earlier invocation): not attempted again. */
  skipCreating?: readonly string[];
}

export interface ManagedUser extends ServiceUser {
  appId: string;
}

export interface ReconcileResult {
  plan: ReconcilePlan;
  created: string[];
  deleted: string[];
  repaired: string[];
  failures: { appId: string; step: string; error: string }[];
  /** The users of active apps after reconciling: what rotation works on. */
  users: ManagedUser[];
  /** Every user Mint manages after reconciling, in or out of a manual run's scope: what status shows. */
  managed: ManagedUser[];
  /** The account's users against IAM's users-per-account quota, as listed at the start. */
  userQuota: UserQuota;
  /** Users still to create beyond this invocation's budget. */
  createsLeft: number;
}

/**
 * Makes the identity store match Kio: one user per active app, none for inactive or unknown apps.
 * Each user is handled on its own, so one failure never stops the others.
 */
export async function reconcileServiceUsers(
  ports: { identity: IdentityStore; bucket: BucketStore },
  request: ReconcileRequest,
): Promise<ReconcileResult> {
  const existing = await ports.identity.listServiceUsers();
  assertBelievable(request.kio, existing.length);
  const usage = await ports.identity.accountUsage();
  const quota = userQuota(usage.users, usage.quota, usage.resource);
  const plan = planReconcile({
    apps: request.kio.apps,
    held: request.kio.held,
    unidentified: request.kio.unidentified ?? 0,
    users: existing,
    maxDeletions: request.maxDeletions,
    onlyApps: request.onlyApps,
  });
  const managed = new Map<string, ManagedUser>();
  for (const user of existing) {
    const appId = appIdOf(user);
    if (appId) managed.set(appId, { ...user, appId });
  }
  const activeUsers = new Map<string, ManagedUser>();
  for (const { appId } of plan.existing) {
    const user = managed.get(appId);
    if (user) activeUsers.set(appId, user);
  }
  const result: ReconcileResult = {
    plan,
    created: [],
    deleted: [],
    repaired: [],
    failures: [],
    users: [],
    managed: [],
    userQuota: quota,
    createsLeft: 0,
  };
  const byAppId = (a: ManagedUser, b: ManagedUser) => a.appId.localeCompare(b.appId);
  if (request.dryRun) {
    result.users = [...activeUsers.values()];
    result.managed = [...managed.values()].sort(byAppId);
    return result;
  }

  const attempt = async (appId: string, step: string, work: () => Promise<void>) => {
    try {
      await work();
      return true;
    } catch (error) {
      result.failures.push({ appId, step, error: describeError(error) });
      return false;
    }
  };

  const skipped = new Set(request.skipCreating ?? []);
  const creatable = plan.create.filter((appId) => !skipped.has(appId));
  const creations = creatable.slice(0, request.maxCreations ?? creatable.length);
  result.createsLeft = creatable.length - creations.length;
  let quotaReached = false;
  for (const appId of creations) {
    // At the user quota every further CreateUser is refused too: the rest wait for the next cycle.
    if (quotaReached) {
      result.createsLeft = 0;
      break;
    }
    await attempt(appId, 'create-user', async () => {
      const user = await ports.identity
        .createServiceUser(appId, request.newUserTags?.(appId))
        .catch((error) => {
          // At the quota IAM refuses every new user: say which quota, and what to do.
          if (error instanceof Error && error.name === 'LimitExceededException') {
            quotaReached = true;
            throw new UserQuotaReachedError(quotaReachedMessage(quota, error.message));
          }
          throw error;
        });
      activeUsers.set(appId, { ...user, appId });
      managed.set(appId, { ...user, appId });
      result.created.push(appId);
    });
  }
  for (const ref of plan.repair) {
    await attempt(ref.appId, 'repair-user', async () => {
      const user = managed.get(ref.appId);
      if (!user) return;
      const repaired = { ...(await ports.identity.repairServiceUser(user)), appId: ref.appId };
      managed.set(ref.appId, repaired);
      if (activeUsers.has(ref.appId)) activeUsers.set(ref.appId, repaired);
      result.repaired.push(ref.appId);
    });
  }
  for (const ref of request.deletions === false ? [] : plan.delete) {
    await attempt(ref.appId, 'delete-user', async () => {
      // Credentials first: once the prefix is gone the app cannot read them, then the user goes.
      // Refuses anything but an app id: nothing here ever deletes Mint's own state.
      const key = removedAppCredentialsKey(ref.appId);
      await ports.bucket.deleteEveryVersion(key);
      await ports.bucket.deleteEveryVersion(cycleKeys.pending(ref.appId));
      await ports.identity.deleteServiceUser(ref);
      managed.delete(ref.appId);
      result.deleted.push(ref.appId);
    });
  }
  result.users = [...activeUsers.values()].sort(byAppId);
  result.managed = [...managed.values()].sort(byAppId);
  return result;
}
