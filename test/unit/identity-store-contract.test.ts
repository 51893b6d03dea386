import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { IAMClient } from '@aws-sdk/client-iam';
import { CognitoIdentityStore } from '../../lambdas/adapters/cognito-identity-store';
import { IamIdentityStore } from '../../lambdas/adapters/iam-identity-store';
import type { IdentityStore } from '../../lambdas/adapters/identity-store';
import { InMemoryIdentityStore, type InMemoryIdentityStoreOptions } from '../../lambdas/adapters/in-memory';
import { TAG } from '../../lambdas/core/service-users';
import { FakeAws } from '../../local/in-memory-aws/fake-aws';

/**
 * The same behavioural cases against the real adapter (over FakeAws, the SDK-level double) and its
 * in-memory port: what the services rely on, so a service tested on the in-memory port meets the
 * behaviour it meets in production.
 */

const BOUNDARY = 'arn:aws:iam::111111111111:policy/mint-deny-all';

/** A store under the shared contract, with what only its own double can arrange or observe. */
interface StoreSubject {
  store: IdentityStore;
  /** The password the store holds for the user (never a published value in a log: only compared). */
  password(userName: string): string | undefined;
  /** Breaks the user the way the store's `repairs` report (IAM: boundary gone; Cognito: client gone). */
  breakUser(userName: string): void;
  restore(): void;
}

/** An IAM store, with what only IAM has: paths, groups, the account's user quota, boundaries. */
interface IamSubject extends StoreSubject {
  addUser(userName: string, tags: Record<string, string>, path?: string): void;
  addToGroup(userName: string, group: string): void;
  setUsersQuota(quota: number): void;
  /** The user's state, read beside the port; undefined when it does not exist. */
  inspect(
    userName: string,
  ): { keys: string[]; password?: string; tags: Record<string, string>; boundaryArn?: string } | undefined;
}

/** The service user group both IAM subjects are configured with (it exists in their account). */
const GROUP = 'mint-apps';

const iamOnFakeAws = (): IamSubject => {
  const aws = new FakeAws();
  aws.iamGroups.add(GROUP);
  aws.iamGroups.add('Admins');
  const user = (name: string) => {
    const found = aws.users.get(name);
    if (!found) throw new Error(`no user ${name}`);
    return found;
  };
  return {
    store: new IamIdentityStore(new IAMClient({ region: 'eu-central-1' }), {
      path: '/mint/',
      boundaryArn: BOUNDARY,
      group: GROUP,
    }),
    password: (name) => aws.users.get(name)?.password,
    breakUser: (name) => {
      user(name).boundary = undefined;
    },
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
};

const iamInMemory = (options: InMemoryIdentityStoreOptions = {}): IamSubject => {
  const store = new InMemoryIdentityStore({
    path: '/mint/',
    boundaryArn: BOUNDARY,
    group: GROUP,
    ...options,
  });
  const user = (name: string) => {
    const found = store.user(name);
    if (!found) throw new Error(`no user ${name}`);
    return found;
  };
  return {
    store,
    password: (name) => store.user(name)?.password,
    breakUser: (name) => {
      user(name).boundaryArn = undefined;
    },
    addUser: (name, tags, path) => void store.addUser(name, tags, path),
    addToGroup: (name, group) => void user(name).groups.push(group),
    setUsersQuota: (quota) => {
      store.usersQuota = quota;
    },
    inspect: (name) => {
      const found = store.user(name);
      return (
        found && {
          keys: found.keys.map((key) => key.keyId),
          password: found.password,
          tags: found.tags,
          boundaryArn: found.boundaryArn,
        }
      );
    },
    restore: () => {},
  };
};

const POOL = 'eu-central-1_MintPool1';

const cognitoOnFakeAws = (): StoreSubject => {
  const aws = new FakeAws();
  const pool = aws.cognitoPools.addPool(POOL);
  return {
    store: new CognitoIdentityStore(new CognitoIdentityProviderClient({ region: 'eu-central-1' }), {
      userPoolId: POOL,
      scopes: ['mint/access'],
    }),
    password: (name) => pool.users.get(name)?.password,
    breakUser: (name) => {
      for (const [id, client] of pool.clients) if (client.name === name) pool.clients.delete(id);
    },
    restore: () => aws.restore(),
  };
};

const iamSubjects: [string, () => IamSubject][] = [
  ['IamIdentityStore on FakeAws', iamOnFakeAws],
  ['InMemoryIdentityStore', () => iamInMemory()],
];

const storeSubjects: [string, () => StoreSubject][] = [
  ...iamSubjects,
  ['CognitoIdentityStore on FakeAws', cognitoOnFakeAws],
  ['InMemoryIdentityStore with client secrets', () => iamInMemory({ clientSecrets: true })],
];

describe.each(iamSubjects)('IAM identity store specifics: %s', (_name, make) => {
  let subject: IamSubject;
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
      tags: { 'mint:readers': '222222222222', [TAG.appId]: 'orders' },
    });
    expect(subject.inspect('orders')).toMatchObject({ boundaryArn: BOUNDARY });
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
    const first = await store.addClientSecret({ userName: 'orders' });
    const second = await store.addClientSecret({ userName: 'orders' });
    expect(first.keyId).not.toBe(second.keyId);
    expect(first.clientSecret).not.toBe(second.clientSecret);
    await expect(store.addClientSecret({ userName: 'orders' })).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
    await expect(store.listClientSecrets({ userName: 'orders' })).resolves.toEqual([
      first.keyId,
      second.keyId,
    ]);
    await store.deleteClientSecret({ userName: 'orders' }, first.keyId);
    await store.deleteClientSecret({ userName: 'orders' }, first.keyId);
    await expect(store.listClientSecrets({ userName: 'orders' })).resolves.toEqual([second.keyId]);
  });

  it('refuses changes to a missing user with NoSuchEntityException, and tolerates reads and deletes', async () => {
    for (const call of [
      () => store.addClientSecret({ userName: 'ghost' }),
      () => store.setPassword('ghost', 'pw'),
      () => store.tagUser('ghost', { a: '1' }),
      () => store.userTags('ghost'),
      () =>
        store.repairServiceUser({ userName: 'ghost', arn: '', tags: {}, repairs: ['permissions boundary'] }),
    ]) {
      await expect(call()).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    }
    await expect(store.listClientSecrets({ userName: 'ghost' })).resolves.toEqual([]);
    await expect(store.deleteClientSecret({ userName: 'ghost' }, 'AKIA0')).resolves.toBeUndefined();
    await expect(store.deleteServiceUser({ userName: 'ghost' })).resolves.toBeUndefined();
  });

  it('sets a password (creating the login profile first time), merges tags and sets the boundary', async () => {
    subject.addUser('orders', { [TAG.appId]: 'orders' });
    await store.setPassword('orders', 'pw-1');
    await store.setPassword('orders', 'pw-2');
    await store.tagUser('orders', { [TAG.failures]: '1' });
    await store.tagUser('orders', { [TAG.failures]: '0', [TAG.previousKeyId]: '' });
    await store.repairServiceUser({
      userName: 'orders',
      arn: '',
      tags: {},
      repairs: ['permissions boundary'],
    });
    await expect(store.userTags('orders')).resolves.toMatchObject({
      [TAG.appId]: 'orders',
      [TAG.failures]: '0',
    });
    expect(subject.inspect('orders')).toMatchObject({ password: 'pw-2', boundaryArn: BOUNDARY });
  });

  it('deletes a user with its keys and password', async () => {
    subject.addUser('orders', {});
    await store.addClientSecret({ userName: 'orders' });
    await store.setPassword('orders', 'pw-1');
    await store.deleteServiceUser({ userName: 'orders' });
    expect(subject.inspect('orders')).toBeUndefined();
  });

  it('reports a group member as not deleted and leaves it in its group', async () => {
    subject.addUser('orders', {});
    subject.addToGroup('orders', 'Admins');
    await expect(store.deleteServiceUser({ userName: 'orders' })).rejects.toMatchObject({
      name: 'Mint.UserNotDeleted',
      message: expect.stringMatching(/member of group\(s\) Admins/),
    });
    expect(subject.inspect('orders')).toBeDefined();
  });

  it("falls back to IAM's default password policy when the account has none", async () => {
    await expect(store.passwordPolicy()).resolves.toMatchObject({ minimumLength: 8 });
  });
});

/**
 * What every identity store does for the services, whatever it is built on: the rotation protocol and
 * reconciliation are written against this and nothing else.
 */
describe.each(storeSubjects)('IdentityStore contract: %s', (_name, make) => {
  let subject: StoreSubject;
  let store: IdentityStore;
  beforeEach(() => {
    subject = make();
    store = subject.store;
  });
  afterEach(() => subject.restore());

  const holderOf = async (appId: string) => {
    const user = (await store.listServiceUsers()).find((u) => u.userName === appId);
    if (!user) throw new Error(`${appId} is not listed`);
    return { userName: user.userName, ...(user.clientId ? { clientId: user.clientId } : {}) };
  };

  it('creates one identity per app, listed with its app mark and tags, and never a second one', async () => {
    const created = await store.createServiceUser('orders', { 'mint:readers': '222222222222' });
    expect(created.tags).toEqual({ 'mint:readers': '222222222222', [TAG.appId]: 'orders' });
    await store.createServiceUser('orders').catch(() => undefined);
    const listed = await store.listServiceUsers();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ userName: 'orders', tags: created.tags });
    expect(listed[0]?.repairs).toBeUndefined();
    expect(listed[0]?.clientId).toBe(created.clientId);
    const usage = await store.accountUsage();
    expect(usage.users).toBeGreaterThanOrEqual(1);
    expect(usage.quota).toBeGreaterThan(usage.users);
  });

  it('holds at most two client secrets, each with its own id and value, and lists ids only', async () => {
    await store.createServiceUser('orders');
    const holder = await holderOf('orders');
    const issued: string[] = [];
    for (let i = 0; i < 3; i++) {
      const existing = await store.listClientSecrets(holder);
      if (existing.length >= 2) {
        await expect(store.addClientSecret(holder)).rejects.toMatchObject({ name: 'LimitExceededException' });
        break;
      }
      const secret = await store.addClientSecret(holder);
      expect(secret.clientSecret.length).toBeGreaterThanOrEqual(24);
      expect(issued).not.toContain(secret.keyId);
      issued.push(secret.keyId);
      if (holder.clientId) expect(secret.clientId).toBe(holder.clientId);
      else expect(secret.clientId).toBe(secret.keyId);
    }
    const ids = await store.listClientSecrets(holder);
    expect(ids.length).toBe(2);
    for (const id of issued) expect(ids).toContain(id);
  });

  it('deletes a secret by id, tolerates one already gone, and keeps the last one only where the store must', async () => {
    await store.createServiceUser('orders');
    const holder = await holderOf('orders');
    const added = await store.addClientSecret(holder);
    for (const id of (await store.listClientSecrets(holder)).filter((id) => id !== added.keyId))
      await store.deleteClientSecret(holder, id);
    await store.deleteClientSecret(holder, 'gone--1');
    expect(await store.listClientSecrets(holder)).toEqual([added.keyId]);
    if (store.keepsOneSecret) {
      await expect(store.deleteClientSecret(holder, added.keyId)).rejects.toMatchObject({
        name: 'InvalidParameterException',
      });
      expect(
        store.keyIdOf({
          application_username: 'orders',
          application_password: 'x',
          client_id: added.clientId,
          client_secret: added.clientSecret,
        }),
      ).toBeUndefined();
    } else {
      await store.deleteClientSecret(holder, added.keyId);
      expect(await store.listClientSecrets(holder)).toEqual([]);
      expect(
        store.keyIdOf({
          application_username: 'orders',
          application_password: 'x',
          client_id: added.clientId,
          client_secret: added.clientSecret,
        }),
      ).toBe(added.keyId);
    }
  });

  it('sets the password, merges marks and clears a mark given an empty value', async () => {
    await store.createServiceUser('orders');
    await store.setPassword('orders', 'Pw-1-abcdefgh', { firstTime: true });
    await store.setPassword('orders', 'Pw-2-abcdefgh');
    expect(subject.password('orders')).toBe('Pw-2-abcdefgh');
    await store.tagUser('orders', { [TAG.failures]: '1', [TAG.previousKeyId]: 'key-1' });
    await store.tagUser('orders', { [TAG.failures]: '0', [TAG.previousKeyId]: '' });
    const marks = await store.userTags('orders');
    expect(marks).toMatchObject({ [TAG.appId]: 'orders', [TAG.failures]: '0' });
    expect(marks[TAG.previousKeyId] ?? '').toBe('');
    expect((await store.listServiceUsers())[0]?.tags[TAG.failures]).toBe('0');
  });

  it('reports what a user lacks and puts it right', async () => {
    await store.createServiceUser('orders');
    subject.breakUser('orders');
    const [broken] = await store.listServiceUsers();
    expect(broken?.repairs?.length).toBeGreaterThan(0);
    if (broken) await store.repairServiceUser(broken);
    const [repaired] = await store.listServiceUsers();
    expect(repaired?.repairs).toBeUndefined();
    const holder = await holderOf('orders');
    await expect(store.addClientSecret(holder)).resolves.toMatchObject({ keyId: expect.any(String) });
  });

  it('deletes the identity with everything on it, and a missing one without error', async () => {
    await store.createServiceUser('orders');
    const holder = await holderOf('orders');
    await store.addClientSecret(holder);
    await store.setPassword('orders', 'Pw-1-abcdefgh');
    await store.deleteServiceUser(holder);
    await expect(store.listServiceUsers()).resolves.toEqual([]);
    expect(subject.password('orders')).toBeUndefined();
    await expect(store.deleteServiceUser(holder)).resolves.toBeUndefined();
    await expect(store.listClientSecrets(holder)).resolves.toEqual([]);
  });

  it('refuses to change a user that does not exist', async () => {
    await expect(store.setPassword('ghost', 'Pw-1-abcdefgh')).rejects.toThrow();
    await expect(store.tagUser('ghost', { [TAG.failures]: '1' })).rejects.toThrow();
    await expect(store.userTags('ghost')).rejects.toThrow();
  });

  it('has a password policy a generated password can meet', async () => {
    const policy = await store.passwordPolicy();
    expect(policy.minimumLength).toBeGreaterThanOrEqual(6);
  });
});
