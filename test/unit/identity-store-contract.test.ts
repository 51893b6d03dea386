import { IAMClient } from '@aws-sdk/client-iam';
import { IamIdentityStore } from '../../lambdas/adapters/iam-identity-store';
import type { IdentityStore } from '../../lambdas/adapters/identity-store';
import { InMemoryIdentityStore } from '../../lambdas/adapters/in-memory';
import { TAG } from '../../lambdas/core/service-users';
import { FakeAws } from '../../local/in-memory-aws/fake-aws';

/**
 * The same behavioural cases against the real adapter (over FakeAws, the SDK-level double) and its
 * in-memory port: what the services rely on, so a service tested on the in-memory port meets the
 * behaviour it meets in production.
 */

const BOUNDARY = 'arn:aws:iam::111111111111:policy/mint-deny-all';

interface IdentitySubject {
  store: IdentityStore;
  addUser(userName: string, tags: Record<string, string>, path?: string): void;
  addToGroup(userName: string, group: string): void;
  setUsersQuota(quota: number): void;
  /** The user's state, read beside the port; undefined when it does not exist. */
  inspect(
    userName: string,
  ): { keys: string[]; password?: string; tags: Record<string, string>; boundaryArn?: string } | undefined;
  restore(): void;
}

const identitySubjects: [string, () => IdentitySubject][] = [
  [
    'IamIdentityStore on FakeAws',
    () => {
      const aws = new FakeAws();
      const user = (name: string) => {
        const found = aws.users.get(name);
        if (!found) throw new Error(`no user ${name}`);
        return found;
      };
      return {
        store: new IamIdentityStore(new IAMClient({ region: 'eu-central-1' }), {
          path: '/mint/',
          boundaryArn: BOUNDARY,
        }),
        addUser: (name, tags, path) => void aws.addUser(name, tags, path),
        addToGroup: (name, group) => void user(name).groups.push(group),
        setUsersQuota: (quota) => {
          aws.usersQuota = quota;
        },
        inspect: (name) => {
          const found = aws.users.get(name);
          return (
            found && {
              keys: found.keys.map((key) => key.id),
              password: found.password,
              tags: found.tags,
              boundaryArn: found.boundary,
            }
          );
        },
        restore: () => aws.restore(),
      };
    },
  ],
  [
    'InMemoryIdentityStore',
    () => {
      const store = new InMemoryIdentityStore({ path: '/mint/', boundaryArn: BOUNDARY });
      return {
        store,
        addUser: (name, tags, path) => void store.addUser(name, tags, path),
        addToGroup: (name, group) => void store.user(name)?.groups.push(group),
        setUsersQuota: (quota) => {
          store.usersQuota = quota;
        },
        inspect: (name) => {
          const found = store.user(name);
          return (
            found && {
              keys: found.keys.map((key) => key.accessKeyId),
              password: found.password,
              tags: found.tags,
              boundaryArn: found.boundaryArn,
            }
          );
        },
        restore: () => {},
      };
    },
  ],
];

describe.each(identitySubjects)('IdentityStore contract: %s', (_name, make) => {
  let subject: IdentitySubject;
  let store: IdentityStore;
  beforeEach(() => {
    subject = make();
    store = subject.store;
  });
  afterEach(() => subject.restore());

  it('creates a user under its path with the app tag and boundary, and refuses the same name again', async () => {
    const user = await store.createServiceUser('orders', { 'mint:readers': '222222222222' });
    expect(user).toEqual({
      userName: 'orders',
      arn: 'arn:aws:iam::111111111111:user/mint/orders',
      path: '/mint/',
      boundaryArn: BOUNDARY,
      tags: { 'mint:readers': '222222222222', [TAG.appId]: 'orders' },
    });
    await expect(store.listServiceUsers()).resolves.toEqual([user]);
    await expect(store.createServiceUser('orders')).rejects.toMatchObject({
      name: 'EntityAlreadyExistsException',
    });
  });

  it('lists only the users under its path, and counts every user of the account', async () => {
    subject.addUser('orders', { [TAG.appId]: 'orders' });
    subject.addUser('human', {}, '/');
    const users = await store.listServiceUsers();
    expect(users.map((user) => user.userName)).toEqual(['orders']);
    await expect(store.accountUsage()).resolves.toEqual({ users: 2, quota: 5000 });
  });

  it("reads the account's real quota near the default one, and refuses a user beyond it", async () => {
    subject.setUsersQuota(4600);
    for (let i = 0; i < 4599; i++) subject.addUser(`app-${i}`, {});
    await store.listServiceUsers();
    await expect(store.accountUsage()).resolves.toEqual({ users: 4599, quota: 4600 });
    await store.createServiceUser('last');
    await expect(store.createServiceUser('one-too-many')).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
  });

  it('refuses a third access key with LimitExceededException, as IAM does', async () => {
    subject.addUser('orders', {});
    const first = await store.createAccessKey('orders');
    const second = await store.createAccessKey('orders');
    expect(first.accessKeyId).not.toBe(second.accessKeyId);
    expect(first.secretAccessKey).not.toBe(second.secretAccessKey);
    await expect(store.createAccessKey('orders')).rejects.toMatchObject({ name: 'LimitExceededException' });
    await expect(store.listAccessKeys('orders')).resolves.toEqual([first.accessKeyId, second.accessKeyId]);
    await store.deleteAccessKey('orders', first.accessKeyId);
    await store.deleteAccessKey('orders', first.accessKeyId);
    await expect(store.listAccessKeys('orders')).resolves.toEqual([second.accessKeyId]);
  });

  it('refuses changes to a missing user with NoSuchEntityException, and tolerates reads and deletes', async () => {
    for (const call of [
      () => store.createAccessKey('ghost'),
      () => store.setPassword('ghost', 'pw'),
      () => store.tagUser('ghost', { a: '1' }),
      () => store.userTags('ghost'),
      () => store.setPermissionsBoundary('ghost'),
    ]) {
      await expect(call()).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    }
    await expect(store.listAccessKeys('ghost')).resolves.toEqual([]);
    await expect(store.deleteAccessKey('ghost', 'AKIA0')).resolves.toBeUndefined();
    await expect(store.deleteServiceUser('ghost')).resolves.toBeUndefined();
  });

  it('sets a password (creating the login profile first time), merges tags and sets the boundary', async () => {
    subject.addUser('orders', { [TAG.appId]: 'orders' });
    await store.setPassword('orders', 'pw-1');
    await store.setPassword('orders', 'pw-2');
    await store.tagUser('orders', { [TAG.failures]: '1' });
    await store.tagUser('orders', { [TAG.failures]: '0', [TAG.previousKeyId]: '' });
    await store.setPermissionsBoundary('orders');
    await expect(store.userTags('orders')).resolves.toEqual({
      [TAG.appId]: 'orders',
      [TAG.failures]: '0',
      [TAG.previousKeyId]: '',
    });
    expect(subject.inspect('orders')).toMatchObject({ password: 'pw-2', boundaryArn: BOUNDARY });
  });

  it('deletes a user with its keys and password', async () => {
    subject.addUser('orders', {});
    await store.createAccessKey('orders');
    await store.setPassword('orders', 'pw-1');
    await store.deleteServiceUser('orders');
    expect(subject.inspect('orders')).toBeUndefined();
  });

  it('reports a group member as not deleted and leaves it in its group', async () => {
    subject.addUser('orders', {});
    subject.addToGroup('orders', 'Admins');
    await expect(store.deleteServiceUser('orders')).rejects.toMatchObject({
      name: 'Mint.UserNotDeleted',
      message: expect.stringMatching(/member of group\(s\) Admins/),
    });
    expect(subject.inspect('orders')).toBeDefined();
  });

  it("falls back to IAM's default password policy when the account has none", async () => {
    await expect(store.passwordPolicy()).resolves.toMatchObject({ minimumLength: 8 });
  });
});
