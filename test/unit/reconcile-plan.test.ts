import type { KioApp } from '../../lambdas/core/apps';
import { planReconcile } from '../../lambdas/core/reconcile-plan';
import { appIdOf, type ServiceUser, TAG } from '../../lambdas/core/service-users';

const app = (id: string, active = true): KioApp => ({ id, teamId: 't', name: id, active });
const user = (appId: string | undefined, name = appId ?? 'stray', repairs?: string[]): ServiceUser => ({
  userName: name,
  arn: `arn:aws:iam::111111111111:user/mint/${name}`,
  tags: appId ? { [TAG.appId]: appId } : {},
  ...(repairs ? { repairs } : {}),
});

describe('planReconcile', () => {
  it('creates users for active apps, deletes users of inactive or unknown apps, keeps the rest', () => {
    const plan = planReconcile({
      apps: [app('new-app'), app('kept'), app('retired', false)],
      users: [user('kept'), user('retired'), user('gone')],
      held: [],
      maxDeletions: 10,
    });
    expect(plan.create).toEqual(['new-app']);
    expect(plan.delete.map((r) => r.appId)).toEqual(['gone', 'retired']);
    expect(plan.existing.map((r) => r.appId)).toEqual(['kept']);
    expect(plan.deletionsBlocked).toBeUndefined();
  });

  it('keeps an unmentioned app while Kio sends an entry without an app id, still deleting one listed inactive', () => {
    const plan = planReconcile({
      apps: [app('kept'), app('retired', false)],
      users: [user('kept'), user('retired'), user('pierone')],
      held: [],
      // `{"app_id": "pierone", ...}` or `{"id": "PIERONE", ...}`: it could be pierone's entry.
      unidentified: 1,
      maxDeletions: 10,
    });
    expect(plan.delete.map((r) => r.appId)).toEqual(['retired']);
    expect(plan.held.map((r) => r.appId)).toEqual(['pierone']);
  });

  it('deletes nothing when more users would go than the cap allows', () => {
    const plan = planReconcile({
      apps: [app('aa')],
      users: [user('aa'), user('bb'), user('cc'), user('dd')],
      held: [],
      maxDeletions: 2,
    });
    expect(plan.delete).toEqual([]);
    expect(plan.deletionsBlocked).toEqual({ wanted: 3, cap: 2 });
  });

  it('repairs a missing or different boundary and leaves untagged users alone', () => {
    const plan = planReconcile({
      apps: [app('aa'), app('bb')],
      users: [user('aa', 'aa', ['permissions boundary']), user('bb'), user(undefined, 'manual')],
      held: [],
      maxDeletions: 10,
    });
    expect(plan.repair).toEqual([{ appId: 'aa', userName: 'aa', repairs: ['permissions boundary'] }]);
    expect(plan.unmanaged).toEqual(['manual']);
    expect(plan.delete).toEqual([]);
  });

  it('touches only the named apps in a scoped manual run', () => {
    const plan = planReconcile({
      apps: [app('xx'), app('yy')],
      users: [user('zz')],
      held: [],
      maxDeletions: 10,
      onlyApps: ['xx'],
    });
    expect(plan.create).toEqual(['xx']);
    expect(plan.delete).toEqual([]);
  });

  it('keeps the user of an app Kio names only in an invalid or repeated entry, and deletes on evidence', () => {
    const plan = planReconcile({
      apps: [app('orders'), app('retired', false)],
      held: ['pierone', 'new-but-damaged'],
      users: [user('orders'), user('pierone'), user('retired'), user('gone')],
      maxDeletions: 10,
    });
    expect(plan.held).toEqual([{ appId: 'pierone', userName: 'pierone' }]);
    expect(plan.delete.map((r) => r.appId)).toEqual(['gone', 'retired']);
    // A held id is not served either: no user is created for it and its user is not rotated.
    expect(plan.create).toEqual([]);
    expect(plan.existing.map((r) => r.appId)).toEqual(['orders']);
  });

  it.each([['_mint'], ['_mint/owners.json'], ['PierOne'], ['../orders'], ['orders/'], ['x'.repeat(65)]])(
    'never acts on a user tagged mint:app-id=%j: unmanaged, not deleted',
    (tag) => {
      const tagged: ServiceUser = { ...user('orders', 'tagged-user'), tags: { [TAG.appId]: tag } };
      expect(appIdOf(tagged)).toBeUndefined();
      const plan = planReconcile({
        apps: [app('orders')],
        held: [],
        users: [user('orders'), tagged],
        maxDeletions: 10,
      });
      expect(plan.unmanaged).toEqual(['tagged-user']);
      expect(plan.delete).toEqual([]);
      expect(plan.existing).toEqual([{ appId: 'orders', userName: 'orders' }]);
    },
  );
});
