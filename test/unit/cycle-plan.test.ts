import { describeCyclePlan } from '../../lambdas/core/cycle-plan';
import { TAG } from '../../lambdas/core/service-users';

const HOUR = 3_600_000;
const now = new Date('2026-11-28T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const policy = {
  passwordMaxAgeMs: 24 * HOUR,
  accessKeyMaxAgeMs: 30 * 24 * HOUR,
  previousKeyGraceMs: 24 * HOUR,
};
const app = (appId: string, tags: Record<string, string>) => ({
  appId,
  userName: appId,
  userArn: `arn:aws:iam::1:user/mint/${appId}`,
  tags: { [TAG.appId]: appId, ...tags },
});

describe('describeCyclePlan', () => {
  it('lists users to create, delete and repair, and what is due for each app and why', () => {
    const plan = describeCyclePlan(
      {
        create: ['newcomer'],
        delete: [{ appId: 'gone', userName: 'gone' }],
        repair: [{ appId: 'drifted', userName: 'drifted', repairs: ['permissions boundary'] }],
        unmanaged: ['someone-else'],
        held: [],
        existing: [],
      },
      [
        app('stale-password', { [TAG.passwordRotatedAt]: ago(25 * HOUR), [TAG.keyRotatedAt]: ago(HOUR) }),
        app('everything', {
          [TAG.passwordRotatedAt]: ago(31 * 24 * HOUR),
          [TAG.keyRotatedAt]: ago(31 * 24 * HOUR),
          [TAG.previousKeyId]: 'AKIAOLD',
        }),
      ],
      policy,
      now,
      { force: false, revokePrevious: false },
    );
    expect(plan).toEqual({
      createUsers: ['newcomer'],
      deleteUsers: [{ appId: 'gone', userName: 'gone' }],
      repairUsers: ['drifted'],
      unmanagedUsers: ['someone-else'],
      heldUsers: [],
      due: [
        { appId: 'stale-password', work: ['password'] },
        { appId: 'everything', work: ['password', 'access-key', 'retire-previous-key'] },
      ],
      grantChanges: [],
      unreadableApps: [],
    });
  });

  it('lists the reader accounts that would change, the apps nobody could read, and an unusable mapping', () => {
    const empty = { create: [], delete: [], repair: [], unmanaged: [], held: [], existing: [] };
    const changes = [{ appId: 'orders', from: ['222222222222'], to: ['333333333333'] }];
    const plan = describeCyclePlan(empty, [], policy, now, {
      force: false,
      revokePrevious: false,
      grants: { changes, unreadable: ['lonely'] },
    });
    expect(plan).toMatchObject({ grantChanges: changes, unreadableApps: ['lonely'] });
    const broken = describeCyclePlan(empty, [], policy, now, {
      force: false,
      revokePrevious: false,
      ownersError: '_mint/owners.json was not applied',
    });
    expect(broken).toMatchObject({ grantChanges: [], ownersError: '_mint/owners.json was not applied' });
  });

  it('reports deletions held back by the cap', () => {
    const plan = describeCyclePlan(
      {
        create: [],
        delete: [],
        repair: [],
        unmanaged: [],
        held: [],
        existing: [],
        deletionsBlocked: { wanted: 40, cap: 10 },
      },
      [],
      policy,
      now,
      { force: false, revokePrevious: false },
    );
    expect(plan.deletionsBlocked).toEqual({ wanted: 40, cap: 10 });
  });
});
