import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { InMemoryBucketStore } from '../../lambdas/adapters/in-memory';
import {
  type BucketStore,
  InvalidDocumentError,
  InvalidJsonError,
} from '../../lambdas/adapters/object-store';
import { FakeAws } from '../../local/in-memory-aws/fake-aws';

/**
 * The same behavioural cases against the real adapter (over FakeAws, the SDK-level double) and its
 * in-memory port: what the services rely on, so a service tested on the in-memory port meets the
 * behaviour it meets in production.
 */

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

  it('keeps user metadata with the version written, and a new version without it has none', async () => {
    await store.putText('app/credentials.json', '{}', {}, { 'mint-key-id': 'client--1' });
    await expect(store.getTextWithEtag('app/credentials.json')).resolves.toMatchObject({
      metadata: { 'mint-key-id': 'client--1' },
    });
    await store.putText('app/credentials.json', '{}');
    expect((await store.getTextWithEtag('app/credentials.json'))?.metadata).toBeUndefined();
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
