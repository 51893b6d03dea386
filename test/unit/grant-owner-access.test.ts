import { InMemoryBucketStore, InMemoryIdentityStore } from '../../lambdas/adapters/in-memory';
import { credentialsKey } from '../../lambdas/core/credentials';
import { READERS_TAG } from '../../lambdas/core/owners';
import { TAG } from '../../lambdas/core/service-users';
import { grantOwnerAccess, newUserReaderTags } from '../../lambdas/services/grant-owner-access';

describe('grantOwnerAccess', () => {
  let identity: InMemoryIdentityStore;
  let bucket: InMemoryBucketStore;
  const ports = () => ({ identity, bucket });
  const calls = () => [...identity.calls, ...bucket.calls];
  const apps = [
    { id: 'orders', teamId: 'checkout', name: 'Orders', active: true },
    { id: 'lonely', teamId: 'nobody', name: 'Lonely', active: true },
  ];
  const managed = (appId: string, readers?: string) => {
    const user = identity.addUser(appId, {
      [TAG.appId]: appId,
      ...(readers !== undefined ? { [READERS_TAG]: readers } : {}),
    });
    return { userName: user.userName, arn: user.arn, path: user.path, appId, tags: { ...user.tags } };
  };
  const owners = { mapping: { teams: { checkout: ['222222222222'] }, apps: {} } };
  beforeEach(() => {
    identity = new InMemoryIdentityStore();
    bucket = new InMemoryBucketStore();
  });

  it('changes nothing and makes no call when the tags already match', async () => {
    // `lonely` predates owner accounts: no tag at all, and still no owner. That is no change either.
    const users = [managed('orders', '222222222222'), managed('lonely')];
    const result = await grantOwnerAccess(ports(), { apps, users, owners, dryRun: false });
    expect(result).toMatchObject({ changes: [], unreadable: ['lonely'], failures: [] });
    expect(calls()).toEqual([]);
  });

  it('makes at most its budget of changes; the rest wait, their users keeping the readers in force', async () => {
    const many = ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => ({
      id,
      teamId: 'checkout',
      name: id,
      active: true,
    }));
    const users = many.map((app) => managed(app.id, '999999999999'));
    const result = await grantOwnerAccess(ports(), {
      apps: many,
      users,
      owners,
      dryRun: false,
      maxChanges: 2,
    });
    expect(result.changes.map((c) => c.appId)).toEqual(['a1', 'a2']);
    expect(result.deferred).toBe(3);
    expect(many.map((app) => identity.user(app.id)?.tags[READERS_TAG])).toEqual([
      '222222222222',
      '222222222222',
      '999999999999',
      '999999999999',
      '999999999999',
    ]);
    expect(result.users.map((u) => u.tags[READERS_TAG])).toEqual(
      many.map((app) => identity.user(app.id)?.tags[READERS_TAG]),
    );
    // The next invocation makes the rest.
    const next = await grantOwnerAccess(ports(), {
      apps: many,
      users: result.users,
      owners,
      dryRun: false,
      maxChanges: 5,
    });
    expect([next.changes.length, next.deferred]).toEqual([3, 0]);
  });

  it('retags the object first, then the user', async () => {
    await bucket.putText(credentialsKey('orders'), '{}', { [READERS_TAG]: '999999999999' });
    const users = [managed('orders', '999999999999')];
    const tagObject = jest.spyOn(bucket, 'tagObject');
    const tagUser = jest.spyOn(identity, 'tagUser');
    await grantOwnerAccess(ports(), { apps, users, owners, dryRun: false });
    expect(bucket.tags(credentialsKey('orders'))).toEqual({ [READERS_TAG]: '222222222222' });
    expect(identity.user('orders')?.tags[READERS_TAG]).toBe('222222222222');
    // A revocation takes effect on the object in this cycle even if the user's tag then fails.
    expect(tagObject.mock.invocationCallOrder[0]).toBeLessThan(tagUser.mock.invocationCallOrder[0] ?? 0);
  });

  it('reports a failed retag, and still hands rotation the wanted readers so a new version cannot re-grant', async () => {
    await bucket.putText(credentialsKey('orders'), '{}');
    const users = [managed('orders', '999999999999')];
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDenied' });
    jest.spyOn(bucket, 'tagObject').mockRejectedValueOnce(denied);
    const result = await grantOwnerAccess(ports(), { apps, users, owners, dryRun: false });
    expect(result.failures).toEqual([
      { appId: 'orders', step: 'grant-access', error: expect.stringContaining('AccessDenied') },
    ]);
    expect(identity.user('orders')?.tags[READERS_TAG]).toBe('999999999999');
    expect(result.users[0]?.tags[READERS_TAG]).toBe('222222222222');
  });

  it('tags the user even before its first credentials.json exists', async () => {
    const users = [managed('orders')];
    const result = await grantOwnerAccess(ports(), { apps, users, owners, dryRun: false });
    expect(result.changes).toEqual([{ appId: 'orders', from: [], to: ['222222222222'] }]);
    expect(identity.user('orders')?.tags[READERS_TAG]).toBe('222222222222');
  });

  it('plans without writing on a dry run, and changes nothing for an unusable mapping', async () => {
    const users = [managed('orders', '')];
    const dry = await grantOwnerAccess(ports(), { apps, users, owners, dryRun: true });
    expect(dry.changes).toHaveLength(1);
    expect(calls()).toEqual([]);
    const broken = await grantOwnerAccess(ports(), {
      apps,
      users,
      owners: { error: 'bad entry' },
      dryRun: false,
    });
    expect(broken).toMatchObject({ changes: [], ownersError: 'bad entry', users });
    expect(newUserReaderTags({ error: 'bad entry' }, apps)('orders')).toEqual({});
    expect(newUserReaderTags(owners, apps)('orders')).toEqual({ [READERS_TAG]: '222222222222' });
  });
});
