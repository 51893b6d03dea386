import { type DueApp, type DueOptions, dueWork, type RotationPolicy } from './due';
import type { ReconcilePlan } from './reconcile-plan';
import { readMarks } from './service-users';
import { describeUserQuota, type UserQuota } from './user-quota';

/** What a dry run would do, in full: the document `mint plan` prints. Names and reasons, never secrets. */
export interface CyclePlan {
  createUsers: string[];
  deleteUsers: { appId: string; userName: string }[];
  /** Set when Kio would make Mint delete more users than the cap allows; then none would be deleted. */
  deletionsBlocked?: { wanted: number; cap: number };
  repairBoundaries: string[];
  unmanagedUsers: string[];
  /** Users kept because an invalid, repeated or id-less Kio entry could be their app's: not deleted, not rotated. */
  heldUsers?: string[];
  /** Existing users with work due. Apps whose user is still to be created rotate after creation. */
  due: {
    appId: string;
    work: ('password' | 'access-key' | 'retire-previous-key' | 'resume' | 'retry-failed')[];
  }[];
  /** Apps whose reader accounts would change (`from` → `to`), by the owner mapping. */
  grantChanges: { appId: string; from: string[]; to: string[] }[];
  /** Active apps that no account outside Mint's could read. */
  unreadableApps: string[];
  /** Why the owner mapping would not be applied (then no grant changes). */
  ownersError?: string;
  /** The account's IAM users against its quota, with a warning from 90 %. */
  userQuota?: UserQuota & { warning?: string };
}

export function describeCyclePlan(
  plan: ReconcilePlan,
  due: readonly DueApp[],
  policy: RotationPolicy,
  now: Date,
  options: DueOptions & {
    grants?: { changes: CyclePlan['grantChanges']; unreadable: string[] };
    ownersError?: string;
    userQuota?: UserQuota;
  },
): CyclePlan {
  const quotaWarning = options.userQuota ? describeUserQuota(options.userQuota) : undefined;
  return {
    createUsers: [...plan.create],
    deleteUsers: plan.delete.map(({ appId, userName }) => ({ appId, userName })),
    ...(plan.deletionsBlocked ? { deletionsBlocked: plan.deletionsBlocked } : {}),
    repairBoundaries: plan.repairBoundary.map((ref) => ref.appId),
    unmanagedUsers: [...plan.unmanaged],
    heldUsers: plan.held.map((ref) => ref.appId),
    grantChanges: options.grants?.changes ?? [],
    unreadableApps: options.grants?.unreadable ?? [],
    ...(options.ownersError ? { ownersError: options.ownersError } : {}),
    ...(options.userQuota
      ? { userQuota: { ...options.userQuota, ...(quotaWarning ? { warning: quotaWarning } : {}) } }
      : {}),
    due: due.map((app) => {
      const work = dueWork(readMarks(app.tags), policy, now, { ...options, staged: app.staged === true });
      return {
        appId: app.appId,
        work: [
          ...(work.password ? (['password'] as const) : []),
          ...(work.accessKey ? (['access-key'] as const) : []),
          ...(work.retirePrevious ? (['retire-previous-key'] as const) : []),
          ...(work.resume ? (['resume'] as const) : []),
          ...(work.retryFailed ? (['retry-failed'] as const) : []),
        ],
      };
    }),
  };
}
