import * as z from 'zod';
import {
  InMemoryBucketStore,
  InMemoryCycleRegistry,
  InMemoryIdentityStore,
} from '../../lambdas/adapters/in-memory';
import { IAM_USERS_QUOTA } from '../../lambdas/core/user-quota';

/** What only the in-memory ports do (their shared behaviour with the real adapters is in the *-contract tests). */

describe('InMemoryBucketStore', () => {
  it('stamps writes with its clock, and lists them with those times', async () => {
    let now = new Date('2026-03-01T10:00:00Z');
    const store = new InMemoryBucketStore({ now: () => now });
    await store.putJson('a', {});
    now = new Date('2026-03-01T11:00:00Z');
    await store.putJson('b', {});
    await expect(store.getTextWithEtag('a')).resolves.toMatchObject({
      lastModified: new Date('2026-03-01T10:00:00Z'),
    });
    await expect(store.listKeys('')).resolves.toEqual([
      { key: 'a', lastModified: '2026-03-01T10:00:00.000Z' },
      { key: 'b', lastModified: '2026-03-01T11:00:00.000Z' },
    ]);
  });

  it('gives an identical rewrite a new ETag, so a conditional write after it loses', async () => {
    const store = new InMemoryBucketStore();
    const first = await store.putJsonIf('k', { same: true }, { ifAbsent: true });
    await store.putJson('k', { same: true });
    const current = await store.getTextWithEtag('k');
    expect(current?.etag).not.toBe(first);
    if (first === undefined) throw new Error('not created');
    await expect(store.putJsonIf('k', { same: false }, { ifMatch: first })).resolves.toBeUndefined();
  });

  it('leaves a delete marker, which deleteEveryVersion counts and removes with the versions', async () => {
    const store = new InMemoryBucketStore();
    await store.putText('k', 'one');
    await store.putText('k', 'two');
    await store.delete('k');
    expect(store.versions('k').map((v) => v.deleteMarker)).toEqual([false, false, true]);
    expect(store.text('k')).toBeUndefined();
    // A write after a delete marker creates the object again.
    await expect(store.putJsonIf('k', 'three', { ifAbsent: true })).resolves.toEqual(expect.any(String));
    await expect(store.deleteEveryVersion('k')).resolves.toBe(4);
    expect(store.versions('k')).toEqual([]);
  });

  it("lists in S3's order, by the keys' UTF-8 bytes", async () => {
    const store = new InMemoryBucketStore();
    // U+FF5E sorts after U+1F600 by UTF-16 code units (JavaScript's default sort), before it by UTF-8 bytes.
    for (const key of ['p/\u{1F600}', 'p/\uFF5E', 'p/Z', 'p/a']) await store.putText(key, '');
    expect((await store.listKeys('p/')).map((entry) => entry.key)).toEqual([
      'p/Z',
      'p/a',
      'p/\uFF5E',
      'p/\u{1F600}',
    ]);
  });

  it('parses with the schema, and records each port call but not the assertions beside it', async () => {
    const store = new InMemoryBucketStore();
    await store.putJson('doc', { n: '1' });
    const coerced = z.object({ n: z.coerce.number() });
    await expect(store.getJson('doc', coerced)).resolves.toEqual({ n: 1 });
    store.text('doc');
    store.tags('doc');
    expect(store.calls).toEqual(['putJson', 'getJson']);
  });
});

describe('InMemoryIdentityStore', () => {
  it('answers accountUsage from the latest listing while far from the quota, as IamIdentityStore does', async () => {
    const store = new InMemoryIdentityStore({ usersQuota: 10 });
    store.addUser('a');
    // Never listed: the store's real count and quota.
    await expect(store.accountUsage()).resolves.toEqual({ users: 1, quota: 10 });
    await store.listServiceUsers();
    await store.createServiceUser('b');
    // Listed: the count seen then, and the default quota (IAM's can only be raised above it).
    await expect(store.accountUsage()).resolves.toEqual({ users: 1, quota: IAM_USERS_QUOTA });
  });

  it('hands out listed users as copies, and the stored user for arranging', async () => {
    const store = new InMemoryIdentityStore();
    await store.createServiceUser('orders');
    const [listed] = await store.listServiceUsers();
    if (!listed) throw new Error('not listed');
    listed.tags.changed = 'yes';
    expect(store.user('orders')?.tags).toEqual({ 'mint:app-id': 'orders' });
    const user = store.user('orders');
    if (user) user.tags.arranged = 'yes';
    await expect(store.userTags('orders')).resolves.toMatchObject({ arranged: 'yes' });
  });

  it('hands out distinct key ids and secrets, and uses the policy it was given', async () => {
    const policy = {
      minimumLength: 20,
      requireSymbols: true,
      requireNumbers: true,
      requireUppercase: true,
      requireLowercase: true,
    };
    const store = new InMemoryIdentityStore({ passwordPolicy: policy });
    store.addUser('a');
    store.addUser('b');
    const keys = [
      await store.addClientSecret({ userName: 'a' }),
      await store.addClientSecret({ userName: 'b' }),
    ];
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(2);
    expect(keys[0]?.keyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(keys[0]?.clientSecret === keys[1]?.clientSecret).toBe(false);
    await expect(store.passwordPolicy()).resolves.toEqual(policy);
  });

  it('removes keys and password of a group member it refuses to delete, as IAM leaves them removed', async () => {
    const store = new InMemoryIdentityStore();
    store.addUser('orders').groups.push('Admins');
    await store.addClientSecret({ userName: 'orders' });
    await store.setPassword('orders', 'pw');
    await expect(store.deleteServiceUser({ userName: 'orders' })).rejects.toMatchObject({
      name: 'Mint.UserNotDeleted',
    });
    expect(store.user('orders')).toMatchObject({ keys: [], password: undefined, groups: ['Admins'] });
  });
});

describe('InMemoryCycleRegistry', () => {
  it("lists only the machine's running executions", async () => {
    const registry = new InMemoryCycleRegistry();
    const machine = 'arn:aws:states:eu-central-1:1:stateMachine:Mint';
    registry.start(machine, 'e1', new Date('2026-01-01T00:00:00Z'));
    registry.start(machine, 'e2', new Date('2026-01-02T00:00:00Z'));
    registry.start('arn:aws:states:eu-central-1:1:stateMachine:Other', 'e3');
    registry.stop('e2');
    await expect(registry.running(machine)).resolves.toEqual([
      { executionArn: 'e1', startDate: new Date('2026-01-01T00:00:00Z') },
    ]);
  });
});
