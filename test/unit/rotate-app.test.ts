import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { BucketStore } from '../../lambdas/adapters/bucket-store';
import { IamIdentityStore } from '../../lambdas/adapters/identity-store';
import { credentialsKey } from '../../lambdas/core/credentials';
import { cycleKeys } from '../../lambdas/core/cycle';
import { generatePassword } from '../../lambdas/core/password';
import { TAG } from '../../lambdas/core/service-users';
import { type RotationPorts, rotateApp } from '../../lambdas/services/rotate-app';
import { awsError, FakeAws } from '../support/fake-aws';

const H = 3_600_000;
const policy = { passwordMaxAgeMs: 24 * H, accessKeyMaxAgeMs: 30 * 24 * H, previousKeyGraceMs: 24 * H };
const normal = { policy, force: false, revokePrevious: false };

describe('rotateApp', () => {
  let aws: FakeAws;
  let keyWorks: (id: string) => boolean;
  let ports: RotationPorts;
  beforeEach(() => {
    aws = new FakeAws();
    keyWorks = () => true;
    ports = {
      identity: new IamIdentityStore(new IAMClient({}), {
        path: '/mint/',
        boundaryArn: 'arn:aws:iam::111111111111:policy/b',
      }),
      bucket: new BucketStore(new S3Client({}), 'mint-secrets'),
      testAccessKey: async (key) => {
        if (!keyWorks(key.accessKeyId))
          throw awsError('InvalidClientTokenId', `key ${key.accessKeyId} rejected`);
      },
      generatePassword,
      now: () => new Date(),
    };
    aws.addUser('orders', { [TAG.appId]: 'orders' });
  });
  afterEach(() => aws.restore());

  const app = () => {
    const user = aws.users.get('orders');
    if (!user) throw new Error('no user');
    return { appId: 'orders', userName: 'orders', userArn: user.arn, tags: { ...user.tags } };
  };
  const published = () => JSON.parse(aws.object(credentialsKey('orders')) ?? 'null');

  it('never publishes a key that failed its test, and finishes the same rotation on the next attempt', async () => {
    keyWorks = () => false;
    const first = await rotateApp(ports, app(), normal);
    expect(first).toMatchObject({ status: 'failed', step: 'test-access-key' });
    expect(aws.object(credentialsKey('orders'))).toBeUndefined();
    const staged = JSON.parse(aws.object(cycleKeys.pending('orders')) ?? '{}');

    keyWorks = () => true;
    const second = await rotateApp(ports, app(), normal);
    expect(second).toMatchObject({ status: 'rotated', resumed: true });
    expect(published()).toEqual(staged.document);
    expect(aws.users.get('orders')?.keys.map((k) => k.id)).toEqual([staged.document.client_id]);
    expect(aws.object(cycleKeys.pending('orders'))).toBeUndefined();
  });

  it('deletes a key created but never staged (crash before staging) and rotates afresh', async () => {
    aws.failNext(
      'PutObject',
      awsError('InternalError'),
      (input) => input.Key === cycleKeys.pending('orders'),
    );
    expect(await rotateApp(ports, app(), normal)).toMatchObject({ status: 'failed', step: 'stage' });
    const lost = aws.users.get('orders')?.keys[0]?.id;
    expect(lost).toBeDefined();

    const retry = await rotateApp(ports, app(), normal);
    expect(retry).toMatchObject({ status: 'rotated', orphanKeysDeleted: [lost] });
    expect(aws.users.get('orders')?.keys.map((k) => k.id)).toEqual([published().client_id]);
  });

  it('keeps the published password working when only the key is due', async () => {
    await rotateApp(ports, app(), normal);
    const before = published();
    const user = aws.users.get('orders');
    if (user) user.tags[TAG.keyRotatedAt] = new Date(Date.now() - 31 * 24 * H).toISOString();
    const outcome = await rotateApp(ports, app(), normal);
    expect(outcome).toMatchObject({ status: 'rotated', passwordChanged: false });
    expect(published().application_password).toBe(before.application_password);
    expect(published().client_id).not.toBe(before.client_id);
  });

  it('reports a corrupt staged file without quoting it (it holds secrets)', async () => {
    const secret = 'Pw-That-Must-Not-Leak-42';
    const user = aws.users.get('orders');
    if (user) user.tags[TAG.rotationStartedAt] = new Date().toISOString();
    await ports.bucket.putText(cycleKeys.pending('orders'), `{"document":{"application_password":${secret}`);
    const outcome = await rotateApp(ports, app(), normal);
    expect(outcome).toMatchObject({ status: 'failed', step: 'read-state' });
    expect(outcome.error).toMatch(/_mint\/pending\/orders\.json is not valid JSON \(\d+ bytes\)/);
    expect(JSON.stringify(outcome)).not.toContain(secret);
  });
  describe('failure count', () => {
    const tags = () => aws.users.get('orders')?.tags ?? {};

    it('counts failed attempts in a row on the user, with the step and a tag-safe error, and resets on success', async () => {
      keyWorks = () => false;
      await rotateApp(ports, app(), normal);
      await rotateApp(ports, app(), normal);
      expect(tags()[TAG.failures]).toBe('2');
      expect(tags()[TAG.lastFailure]).toMatch(/^\d{4}-\d\d-\d\dT\S+ test-access-key$/);
      expect(tags()[TAG.lastError]).toContain('InvalidClientTokenId');
      expect(tags()[TAG.lastError]).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u);

      keyWorks = () => true;
      expect(await rotateApp(ports, app(), normal)).toMatchObject({ status: 'rotated' });
      expect(tags()[TAG.failures]).toBe('0');
      expect(tags()[TAG.lastFailure]).toMatch(/ test-access-key$/);
    });

    it('resets the count on an attempt that finds nothing left to do', async () => {
      await rotateApp(ports, app(), normal);
      const user = aws.users.get('orders');
      if (user) user.tags[TAG.failures] = '3';
      const outcome = await rotateApp(ports, app(), normal);
      expect(outcome.status).toBe('unchanged');
      expect(tags()[TAG.failures]).toBe('0');
    });

    it('still reports the failure when the count cannot be written', async () => {
      keyWorks = () => false;
      aws.failNext(
        'TagUser',
        awsError('Throttling'),
        (input) =>
          (input.Tags as { Key: string }[] | undefined)?.some((t) => t.Key === TAG.failures) ?? false,
      );
      const outcome = await rotateApp(ports, app(), normal);
      expect(outcome).toMatchObject({ status: 'failed', step: 'test-access-key' });
      expect(outcome.failureNotCounted).toContain('Throttling');
      expect(tags()[TAG.failures]).toBeUndefined();
    });
  });
});
