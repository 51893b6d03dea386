import type { KioApp } from '../../lambdas/core/apps';
import { planReconcile } from '../../lambdas/core/reconcile-plan';
import { type ServiceUser, TAG } from '../../lambdas/core/service-users';

const BOUNDARY = 'arn:aws:iam::111111111111:policy/deny-all';
const app = (id: string, active = true): KioApp => ({ id, teamId: 't', name: id, active });
const user = (appId: string | undefined, name = appId ?? 'stray', boundaryArn = BOUNDARY): ServiceUser => ({
  userName: name,
  arn: `arn:aws:iam::111111111111:user/mint/${name}`,
  path: '/mint/',
  boundaryArn,
  tags: appId ? { [TAG.appId]: appId } : {},
});

describe('planReconcile', () => {
  it('creates users for active apps, deletes users of inactive or unknown apps, keeps the rest', () => {
    const plan = planReconcile({
      apps: [app('new-app'), app('kept'), app('retired', false)],
      users: [user('kept'), user('retired'), user('gone')],
      boundaryArn: BOUNDARY,
      maxDeletions: 10,
    });
    expect(plan.create).toEqual(['new-app']);
    expect(plan.delete.map((r) => r.appId)).toEqual(['gone', 'retired']);
    expect(plan.existing.map((r) => r.appId)).toEqual(['kept']);
    expect(plan.deletionsBlocked).toBeUndefined();
  });

  it('deletes nothing when more users would go than the cap allows', () => {
    const plan = planReconcile({
      apps: [app('a')],
      users: [user('a'), user('b'), user('c'), user('d')],
      boundaryArn: BOUNDARY,
      maxDeletions: 2,
    });
    expect(plan.delete).toEqual([]);
    expect(plan.deletionsBlocked).toEqual({ wanted: 3, cap: 2 });
  });

  it('repairs a missing or different boundary and leaves untagged users alone', () => {
    const plan = planReconcile({
      apps: [app('a'), app('b')],
      users: [user('a', 'a', 'arn:aws:iam::111111111111:policy/other'), user('b'), user(undefined, 'manual')],
      boundaryArn: BOUNDARY,
      maxDeletions: 10,
    });
    expect(plan.repairBoundary.map((r) => r.appId)).toEqual(['a']);
    expect(plan.unmanaged).toEqual(['manual']);
    expect(plan.delete).toEqual([]);
  });

  it('touches only the named apps in a scoped manual run', () => {
    const plan = planReconcile({
      apps: [app('x'), app('y')],
      users: [user('z')],
      boundaryArn: BOUNDARY,
      maxDeletions: 10,
      onlyApps: ['x'],
    });
    expect(plan.create).toEqual(['x']);
    expect(plan.delete).toEqual([]);
  });
});
