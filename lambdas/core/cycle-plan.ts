import type { CyclePlan } from '../contracts/documents';

export type { CyclePlan };

import { type DueApp, type DueOptions, dueWork, type RotationPolicy } from './due';
import type { ReconcilePlan } from './reconcile-plan';
import { readMarks } from './service-users';
import { describeUserQuota, type UserQuota } from './user-quota';

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
    repairUsers: plan.repair.map((ref) => ref.appId),
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
