import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { IamIdentityStore } from '../../lambdas/adapters/iam-identity-store';
import { cycleKeys } from '../../lambdas/contracts/keys';
import { credentialsKey } from '../../lambdas/core/credentials';
import { generatePassword } from '../../lambdas/core/password';
import { LEASE_MS } from '../../lambdas/core/rotation-plan';
import { TAG } from '../../lambdas/core/service-users';
import { type RotationPorts, rotateApp } from '../../lambdas/services/rotate-app';
import { awsError, FakeAws } from '../../local/in-memory-aws/fake-aws';

const H = 3_600_000;
const policy = { passwordMaxAgeMs: 24 * H, accessKeyMaxAgeMs: 30 * 24 * H, previousKeyGraceMs: 24 * H };
const EXECUTION = 'arn:aws:states:eu-central-1:111111111111:execution:Mint:c1';
const normal = {
  policy,
  force: false,
  revokePrevious: false,
  executionArn: EXECUTION,
  cycleId: 'c1',
  cycleStartedAt: new Date(Date.now() - 60_000).toISOString(),
};

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
      bucket: new S3BucketStore(new S3Client({}), 'mint-secrets'),
      testSignIn: async () => {},
      testClientSecret: async (key) => {
        if (!keyWorks(key.keyId)) throw awsError('InvalidClientTokenId', `key ${key.keyId} rejected`);
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
    // Compared as a boolean, so a failure never prints the secrets.
    expect(JSON.stringify(published()) === JSON.stringify(staged.rotation.document)).toBe(true);
    expect(aws.users.get('orders')?.keys.map((k) => k.id)).toEqual([staged.rotation.document.client_id]);
    expect(aws.object(cycleKeys.pending('orders'))).toBeUndefined();
  });

  it('deletes a key created but never staged (crash before staging) and rotates afresh', async () => {
    // The stage write after the key was created (the lease before it is a conditional write).
    aws.failNext(
      'PutObject',
      awsError('InternalError'),
      (input) => input.Key === cycleKeys.pending('orders') && input.IfNoneMatch === undefined,
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

  it('throws a corrupt stage away without quoting it (it holds secrets) and rotates afresh', async () => {
    const secret = 'Pw-That-Must-Not-Leak-42';
    await ports.bucket.putText(cycleKeys.pending('orders'), `{"document":{"application_password":${secret}`);
    const outcome = await rotateApp(ports, app(), normal);
    expect(outcome).toMatchObject({ status: 'rotated', resumed: false });
    expect(JSON.stringify(outcome)).not.toContain(secret);
    expect(aws.object(cycleKeys.pending('orders'))).toBeUndefined();
  });

  it('tests the new key before touching the password: a failed test leaves the published password working', async () => {
    await rotateApp(ports, app(), normal);
    const before = published();
    const user = aws.users.get('orders');
    if (user) {
      user.tags[TAG.keyRotatedAt] = new Date(Date.now() - 31 * 24 * H).toISOString();
      user.tags[TAG.passwordRotatedAt] = new Date(Date.now() - 2 * 24 * H).toISOString();
    }
    keyWorks = (id) => id === before.client_id;
    expect(await rotateApp(ports, app(), normal)).toMatchObject({
      status: 'failed',
      step: 'test-access-key',
    });
    expect(aws.users.get('orders')?.password === before.application_password).toBe(true);
    // Compared as a boolean, so a failure never prints the secrets.
    expect(JSON.stringify(published()) === JSON.stringify(before)).toBe(true);
  });

  it('publishes right after setting the password, retrying the publish in the same invocation', async () => {
    for (let i = 0; i < 2; i++)
      aws.failNext('PutObject', awsError('InternalError'), (input) => input.Key === credentialsKey('orders'));
    const outcome = await rotateApp(ports, app(), normal);
    expect(outcome).toMatchObject({ status: 'rotated' });
    expect(published().application_password === aws.users.get('orders')?.password).toBe(true);
  });

  describe('one rotation per app at a time (the lease)', () => {
    const other = 'arn:aws:states:eu-central-1:111111111111:execution:Mint:c2';
    const stageOf = () => JSON.parse(aws.object(cycleKeys.pending('orders')) ?? '{}');
    const leaseSince = (ms: number) => ({
      lease: { cycle: 'c2', executionArn: other, at: new Date(Date.now() - ms).toISOString() },
    });

    it('leaves an app alone, keys included, while another execution holds an unexpired lease', async () => {
      await rotateApp(ports, app(), normal);
      const user = aws.users.get('orders');
      if (user) user.tags[TAG.keyRotatedAt] = new Date(Date.now() - 31 * 24 * H).toISOString();
      // The other execution has taken the lease and created a key it has not staged yet.
      await ports.bucket.putJson(cycleKeys.pending('orders'), leaseSince(0));
      const inFlight = await ports.identity.addClientSecret({ userName: 'orders' });
      const outcome = await rotateApp(ports, app(), normal);
      expect(outcome).toMatchObject({ status: 'unchanged', busy: expect.stringContaining('c2') });
      expect(aws.users.get('orders')?.keys.map((k) => k.id)).toContain(inFlight.keyId);
      expect(stageOf().lease.cycle).toBe('c2');
    });

    it('takes over the lease of a killed process once it has expired, and cleans up after it', async () => {
      await ports.bucket.putJson(cycleKeys.pending('orders'), leaseSince(LEASE_MS + 1));
      const lost = await ports.identity.addClientSecret({ userName: 'orders' });
      const outcome = await rotateApp(ports, app(), normal);
      expect(outcome).toMatchObject({ status: 'rotated', orphanKeysDeleted: [lost.keyId] });
      expect(aws.users.get('orders')?.keys.map((k) => k.id)).toEqual([published().client_id]);
      expect(aws.object(cycleKeys.pending('orders'))).toBeUndefined();
    });

    it('releases its lease when an attempt fails, so the next attempt (any execution) finishes the rotation', async () => {
      keyWorks = () => false;
      expect(await rotateApp(ports, app(), normal)).toMatchObject({
        status: 'failed',
        step: 'test-access-key',
      });
      expect(stageOf().lease).toBeUndefined();
      expect(stageOf().rotation.document.client_id).toEqual(expect.any(String));
      keyWorks = () => true;
      const next = await rotateApp(ports, app(), { ...normal, executionArn: other, cycleId: 'c2' });
      expect(next).toMatchObject({ status: 'rotated', resumed: true });
    });

    it('lets exactly one of two executions rotate an app at the same time', async () => {
      await rotateApp(ports, app(), normal);
      const before = published();
      const user = aws.users.get('orders');
      if (user) user.tags[TAG.keyRotatedAt] = new Date(Date.now() - 31 * 24 * H).toISOString();
      const [a, b] = await Promise.all([
        rotateApp(ports, app(), normal),
        rotateApp(ports, app(), { ...normal, executionArn: other, cycleId: 'c2' }),
      ]);
      expect([a, b].filter((o) => o.status === 'rotated')).toHaveLength(1);
      expect([a, b].filter((o) => o.busy !== undefined)).toHaveLength(1);
      // The previous key stays for its grace period: nobody took it for an orphan.
      const keys = aws.users.get('orders')?.keys.map((k) => k.id) ?? [];
      expect(keys.sort()).toEqual([before.client_id, published().client_id].sort());
    });

    it('does not rotate twice on stale tags: an execution that finds a newer publish reads the tags again', async () => {
      await rotateApp(ports, app(), normal);
      const user = aws.users.get('orders');
      if (user) user.tags[TAG.keyRotatedAt] = new Date(Date.now() - 31 * 24 * H).toISOString();
      // A redrive's batch carries the tags its cycle listed, before another execution rotated the app.
      const stale = app();
      const earlier = new Date(Date.now() - 3_600_000).toISOString();
      expect(await rotateApp(ports, app(), { ...normal, executionArn: other, cycleId: 'c2' })).toMatchObject({
        status: 'rotated',
      });
      const afterOther = published();
      const keysAfterOther = aws.users.get('orders')?.keys.map((k) => k.id);
      const redriven = await rotateApp(ports, stale, { ...normal, cycleStartedAt: earlier });
      expect(redriven.status).toBe('unchanged');
      // Compared as a boolean, so a failure never prints the secrets.
      expect(JSON.stringify(published()) === JSON.stringify(afterOther)).toBe(true);
      expect(aws.users.get('orders')?.keys.map((k) => k.id)).toEqual(keysAfterOther);
    });
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
