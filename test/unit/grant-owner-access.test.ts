import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { IamIdentityStore } from '../../lambdas/adapters/iam-identity-store';
import { credentialsKey } from '../../lambdas/core/credentials';
import { READERS_TAG } from '../../lambdas/core/owners';
import { TAG } from '../../lambdas/core/service-users';
import { grantOwnerAccess, newUserReaderTags } from '../../lambdas/services/grant-owner-access';
import { awsError, FakeAws } from '../../local/in-memory-aws/fake-aws';

describe('grantOwnerAccess', () => {
  let aws: FakeAws;
  const ports = () => ({
    identity: new IamIdentityStore(new IAMClient({}), {
      path: '/mint/',
      boundaryArn: 'arn:aws:iam::1:policy/b',
    }),
    bucket: new S3BucketStore(new S3Client({}), 'mint-secrets'),
  });
  const apps = [
    { id: 'orders', teamId: 'checkout', name: 'Orders', active: true },
    { id: 'lonely', teamId: 'nobody', name: 'Lonely', active: true },
  ];
  const managed = (appId: string, readers?: string) => {
    const user = aws.addUser(appId, {
      [TAG.appId]: appId,
      ...(readers !== undefined ? { [READERS_TAG]: readers } : {}),
    });
    return { ...user, appId, arn: user.arn, tags: { ...user.tags } };
  };
  const owners = { mapping: { teams: { checkout: ['222222222222'] }, apps: {} } };
  beforeEach(() => {
    aws = new FakeAws();
  });
  afterEach(() => aws.restore());

  it('changes nothing and makes no call when the tags already match', async () => {
    // `lonely` predates owner accounts: no tag at all, and still no owner. That is no change either.
    const users = [managed('orders', '222222222222'), managed('lonely')];
    aws.calls = [];
    const result = await grantOwnerAccess(ports(), { apps, users, owners, dryRun: false });
    expect(result).toMatchObject({ changes: [], unreadable: ['lonely'], failures: [] });
    expect(aws.calls).toEqual([]);
  });

  it('reports a failed retag, and still hands rotation the wanted readers so a new version cannot re-grant', async () => {
    aws.objects.set(credentialsKey('orders'), [{ body: '{}', version: 1 }]);
    const users = [managed('orders', '999999999999')];
    aws.failNext('PutObjectTagging', awsError('AccessDenied', 'not allowed'));
    const result = await grantOwnerAccess(ports(), { apps, users, owners, dryRun: false });
    expect(result.failures).toEqual([
      { appId: 'orders', step: 'grant-access', error: expect.stringContaining('AccessDenied') },
    ]);
    expect(aws.users.get('orders')?.tags[READERS_TAG]).toBe('999999999999');
    expect(result.users[0]?.tags[READERS_TAG]).toBe('222222222222');
  });

  it('tags the user even before its first credentials.json exists', async () => {
    const users = [managed('orders')];
    const result = await grantOwnerAccess(ports(), { apps, users, owners, dryRun: false });
    expect(result.changes).toEqual([{ appId: 'orders', from: [], to: ['222222222222'] }]);
    expect(aws.users.get('orders')?.tags[READERS_TAG]).toBe('222222222222');
  });

  it('plans without writing on a dry run, and changes nothing for an unusable mapping', async () => {
    const users = [managed('orders', '')];
    aws.calls = [];
    const dry = await grantOwnerAccess(ports(), { apps, users, owners, dryRun: true });
    expect(dry.changes).toHaveLength(1);
    expect(aws.calls).toEqual([]);
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
