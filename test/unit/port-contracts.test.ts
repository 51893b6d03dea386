import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { StepFunctionsCycleRegistry } from '../../lambdas/adapters/cycle-registry';
import { IamIdentityStore } from '../../lambdas/adapters/iam-identity-store';
import type { IdentityStore } from '../../lambdas/adapters/identity-store';
import {
  InMemoryBucketStore,
  InMemoryCycleRegistry,
  InMemoryIdentityStore,
} from '../../lambdas/adapters/in-memory';
import {
  type BucketStore,
  InvalidDocumentError,
  InvalidJsonError,
} from '../../lambdas/adapters/object-store';
import { TAG } from '../../lambdas/core/service-users';
import { FakeAws } from '../../local/in-memory-aws/fake-aws';

/**
 * The same behavioural cases against each real adapter (over FakeAws, the SDK-level double) and its
 * in-memory port: what the services rely on, so a service tested on the in-memory port is tested
 * against the behaviour it meets in production.
 */

const BOUNDARY = 'arn:aws:iam::111111111111:policy/mint-deny-all';

interface BucketSubject {
  store: BucketStore;
  /** The current version's object tags, read beside the port. */
  tags(key: string): Record<string, string> | undefined;
  restore(): void;
}

const bucketSubjects: [string, () => BucketSubject][] = [
  [
    'S3BucketStore on FakeAws',
    () => {
      const aws = new FakeAws();
      return {
        store: new S3BucketStore(new S3Client({ region: 'eu-central-1' }), 'mint-secrets'),
        tags: (key) => (aws.object(key) === undefined ? undefined : (aws.objectTags.get(key) ?? {})),
        restore: () => aws.restore(),
      };
    },
  ],
  [
    'InMemoryBucketStore',
    () => {
      const store = new InMemoryBucketStore({ bucket: 'mint-secrets' });
      return { store, tags: (key) => store.tags(key), restore: () => {} };
    },
  ],
];

describe.each(bucketSubjects)('BucketStore contract: %s', (_name, make) => {
  let subject: BucketSubject;
  let store: BucketStore;
  beforeEach(() => {
    subject = make();
    store = subject.store;
  });
  afterEach(() => subject.restore());
  const doc = z.object({ cycle: z.string() });

  it('answers undefined (or false, or nothing) for a missing object', async () => {
    await expect(store.getText('nope')).resolves.toBeUndefined();
    await expect(store.getJson('nope', doc)).resolves.toBeUndefined();
    await expect(store.getTextWithEtag('nope')).resolves.toBeUndefined();
    await expect(store.tagObject('nope', { a: '1' })).resolves.toBe(false);
    await expect(store.listKeys('')).resolves.toEqual([]);
    await expect(store.deleteEveryVersion('nope')).resolves.toBe(0);
  });

  it('writes a new version per write and reads the latest', async () => {
    const first = await store.putJson('k', { cycle: 'c1' });
    const second = await store.putText('k', JSON.stringify({ cycle: 'c2' }));
    expect(first).toEqual(expect.any(String));
    expect(second).toEqual(expect.any(String));
    expect(second).not.toBe(first);
    await expect(store.getJson('k', doc)).resolves.toEqual({ cycle: 'c2' });
    await expect(store.putJson('s', 'already text')).resolves.toEqual(expect.any(String));
    await expect(store.getText('s')).resolves.toBe('already text');
  });

  it('creates only when absent: the second ifAbsent write loses and changes nothing', async () => {
    const etag = await store.putJsonIf('lease', { cycle: 'c1' }, { ifAbsent: true });
    expect(etag).toEqual(expect.any(String));
    await expect(store.putJsonIf('lease', { cycle: 'c2' }, { ifAbsent: true })).resolves.toBeUndefined();
    await expect(store.getTextWithEtag('lease')).resolves.toMatchObject({
      text: JSON.stringify({ cycle: 'c1' }),
      etag,
      lastModified: expect.any(Date),
    });
  });

  it('replaces only the ETag read: any write in between makes a conditional write lose', async () => {
    const first = await store.putJsonIf('lease', { cycle: 'c1' }, { ifAbsent: true });
    if (first === undefined) throw new Error('not created');
    const second = await store.putJsonIf('lease', { cycle: 'c2' }, { ifMatch: first });
    expect(second).toEqual(expect.any(String));
    expect(second).not.toBe(first);
    await expect(store.putJsonIf('lease', { cycle: 'c3' }, { ifMatch: first })).resolves.toBeUndefined();
    await store.putJson('lease', { cycle: 'c4' });
    if (second === undefined) throw new Error('not replaced');
    await expect(store.putJsonIf('lease', { cycle: 'c5' }, { ifMatch: second })).resolves.toBeUndefined();
    await expect(store.getJson('lease', doc)).resolves.toEqual({ cycle: 'c4' });
  });

  it('refuses If-Match on a missing object with NoSuchKey, as S3 does (not a lost race)', async () => {
    await expect(store.putJsonIf('gone', { cycle: 'c1' }, { ifMatch: '"x"' })).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
  });

  it('tags a version when written with tags, replaces them with tagObject, and a new version has none', async () => {
    await store.putText('app/credentials.json', '{}', { 'mint:readers': '222222222222' });
    expect(subject.tags('app/credentials.json')).toEqual({ 'mint:readers': '222222222222' });
    await expect(store.tagObject('app/credentials.json', { 'mint:readers': '' })).resolves.toBe(true);
    expect(subject.tags('app/credentials.json')).toEqual({ 'mint:readers': '' });
    await store.putText('app/credentials.json', '{}');
    expect(subject.tags('app/credentials.json')).toEqual({});
  });

  it('throws InvalidJsonError for an object that is not JSON, never quoting it', async () => {
    await store.putText('bad', '{"password": "Pw-Secret-1"');
    const error = await store.getJson('bad', doc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidJsonError);
    expect(String(error)).toContain('s3://mint-secrets/bad');
    expect(String(error)).not.toContain('Pw-Secret-1');
  });

  it('throws InvalidDocumentError naming the fields, never their values', async () => {
    await store.putJson('odd', { cycle: 42, note: 'x' });
    await store.putJson('odder', { cycle: ['Pw-Secret-2'] });
    const error = await store.getJson('odd', doc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDocumentError);
    expect(String(error)).toMatch(/s3:\/\/mint-secrets\/odd .*cycle: invalid_type/);
    expect(String(error)).not.toContain('42');
    const other = await store.getJson('odder', doc).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(InvalidDocumentError);
    expect(String(other)).not.toContain('Pw-Secret-2');
  });

  it('lists the keys under a prefix in key order, with their last-modified times, without deleted ones', async () => {
    for (const key of ['b/2', 'a/1', 'b/10', 'b/1', 'b/9']) await store.putJson(key, {});
    await store.delete('b/9');
    const listed = await store.listKeys('b/');
    expect(listed.map((entry) => entry.key)).toEqual(['b/1', 'b/10', 'b/2']);
    for (const entry of listed) expect(new Date(entry.lastModified).toISOString()).toBe(entry.lastModified);
    await expect(store.getText('b/9')).resolves.toBeUndefined();
    await expect(store.tagObject('b/9', {})).resolves.toBe(false);
  });

  it('deletes every version of one key, and nothing of a key that merely starts with it', async () => {
    await store.putJson('app/credentials.json', { v: 1 });
    await store.putJson('app/credentials.json', { v: 2 });
    await store.putJson('app/credentials.json.bak', { v: 1 });
    await expect(store.deleteEveryVersion('app/credentials.json')).resolves.toBe(2);
    await expect(store.getText('app/credentials.json')).resolves.toBeUndefined();
    await expect(store.getText('app/credentials.json.bak')).resolves.toBe('{"v":1}');
  });
});

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

interface CycleSubject {
  registry: { running(stateMachineArn: string): Promise<{ executionArn: string; startDate: Date }[]> };
  start(executionArn: string, startDate: Date): void;
  restore(): void;
}

const MACHINE = 'arn:aws:states:eu-central-1:111111111111:stateMachine:Mint';

const cycleSubjects: [string, () => CycleSubject][] = [
  [
    'StepFunctionsCycleRegistry on FakeAws',
    () => {
      const aws = new FakeAws();
      return {
        registry: new StepFunctionsCycleRegistry(new SFNClient({ region: 'eu-central-1' })),
        start: (executionArn, startDate) => {
          aws.running.unshift({ executionArn, startDate });
        },
        restore: () => aws.restore(),
      };
    },
  ],
  [
    'InMemoryCycleRegistry',
    () => {
      const registry = new InMemoryCycleRegistry();
      return { registry, start: (arn, date) => registry.start(MACHINE, arn, date), restore: () => {} };
    },
  ],
];

describe.each(cycleSubjects)('CycleRegistry contract: %s', (_name, make) => {
  let subject: CycleSubject;
  beforeEach(() => {
    subject = make();
  });
  afterEach(() => subject.restore());

  it('lists the running executions with their start dates, newest first', async () => {
    await expect(subject.registry.running(MACHINE)).resolves.toEqual([]);
    subject.start(`${MACHINE}:c1`, new Date('2026-01-01T00:00:00Z'));
    subject.start(`${MACHINE}:c2`, new Date('2026-01-02T00:00:00Z'));
    await expect(subject.registry.running(MACHINE)).resolves.toEqual([
      { executionArn: `${MACHINE}:c2`, startDate: new Date('2026-01-02T00:00:00Z') },
      { executionArn: `${MACHINE}:c1`, startDate: new Date('2026-01-01T00:00:00Z') },
    ]);
  });
});
