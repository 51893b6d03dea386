import {
  type AwsWorld,
  permissionsFor,
  type SdkCall,
  UnmappedOperationError,
} from '../support/authorization/sdk-permissions';

const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/k1';
const world = (over: Partial<AwsWorld> = {}): AwsWorld => ({
  account: '111111111111',
  region: 'eu-central-1',
  bucketKeyArn: () => KEY,
  user: (name) => (name === 'orders' ? { path: '/mint/', tags: { 'mint:app-id': 'orders' } } : undefined),
  object: (_bucket, key) =>
    key === 'orders/credentials.json' ? { tags: { 'mint:readers': '222222222222' } } : undefined,
  ...over,
});
const call = (service: SdkCall['service'], operation: string, input: Record<string, unknown>): SdkCall => ({
  service,
  operation,
  input,
});
const actions = (c: SdkCall, w = world()) => permissionsFor(c, w).map((r) => `${r.action} ${r.resource}`);

describe('the SDK-to-IAM table the authorization tier evaluates', () => {
  it('a GET of an existing SSE-KMS object needs s3:GetObject and kms:Decrypt through S3', () => {
    const requests = permissionsFor(
      call('s3', 'GetObject', { Bucket: 'b', Key: 'orders/credentials.json' }),
      world(),
    );
    expect(requests).toEqual([
      {
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::b/orders/credentials.json',
        context: { 's3:ExistingObjectTag/mint:readers': '222222222222' },
      },
      {
        action: 'kms:Decrypt',
        resource: KEY,
        context: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
      },
    ]);
  });

  it('a GET of a missing key needs s3:ListBucket to read 404 instead of 403', () => {
    expect(actions(call('s3', 'GetObject', { Bucket: 'b', Key: '_mint/status.json' }))).toEqual([
      's3:GetObject arn:aws:s3:::b/_mint/status.json',
      's3:ListBucket arn:aws:s3:::b',
    ]);
  });

  it('a GET of a named version is s3:GetObjectVersion', () => {
    expect(
      actions(call('s3', 'GetObject', { Bucket: 'b', Key: 'orders/credentials.json', VersionId: 'v1' })),
    ).toEqual(['s3:GetObjectVersion arn:aws:s3:::b/orders/credentials.json', `kms:Decrypt ${KEY}`]);
  });

  it('HeadObject is authorized as s3:GetObject, and decrypts nothing', () => {
    expect(actions(call('s3', 'HeadObject', { Bucket: 'b', Key: 'orders/credentials.json' }))).toEqual([
      's3:GetObject arn:aws:s3:::b/orders/credentials.json',
    ]);
  });

  it('PutObject with Tagging also needs s3:PutObjectTagging, and kms:GenerateDataKey through S3', () => {
    const requests = permissionsFor(
      call('s3', 'PutObject', {
        Bucket: 'b',
        Key: 'orders/credentials.json',
        Tagging: 'mint%3Areaders=2222',
      }),
      world(),
    );
    expect(requests.map((r) => r.action)).toEqual([
      's3:PutObject',
      's3:PutObjectTagging',
      'kms:GenerateDataKey',
    ]);
    expect(requests[1]?.context).toEqual({
      's3:RequestObjectTag/mint:readers': '2222',
      's3:RequestObjectTagKeys': ['mint:readers'],
    });
    expect(
      actions(call('s3', 'PutObject', { Bucket: 'b', Key: 'x' }), world({ bucketKeyArn: () => undefined })),
    ).toEqual(['s3:PutObject arn:aws:s3:::b/x']);
  });

  it('a delete with a VersionId is s3:DeleteObjectVersion, per object of a DeleteObjects', () => {
    expect(actions(call('s3', 'DeleteObject', { Bucket: 'b', Key: 'k' }))).toEqual([
      's3:DeleteObject arn:aws:s3:::b/k',
    ]);
    expect(actions(call('s3', 'DeleteObject', { Bucket: 'b', Key: 'k', VersionId: 'v1' }))).toEqual([
      's3:DeleteObjectVersion arn:aws:s3:::b/k',
    ]);
    expect(
      actions(
        call('s3', 'DeleteObjects', {
          Bucket: 'b',
          Delete: { Objects: [{ Key: 'a', VersionId: '1' }, { Key: 'c' }] },
        }),
      ),
    ).toEqual(['s3:DeleteObjectVersion arn:aws:s3:::b/a', 's3:DeleteObject arn:aws:s3:::b/c']);
  });

  it('ListObjectVersions is s3:ListBucketVersions on the bucket, with the prefix', () => {
    expect(
      permissionsFor(
        call('s3', 'ListObjectVersions', { Bucket: 'b', Prefix: 'orders/credentials.json' }),
        world(),
      ),
    ).toEqual([
      {
        action: 's3:ListBucketVersions',
        resource: 'arn:aws:s3:::b',
        context: { 's3:prefix': 'orders/credentials.json' },
      },
    ]);
  });

  it('sts:GetCallerIdentity needs no permission', () => {
    expect(permissionsFor(call('sts', 'GetCallerIdentity', {}), world())).toEqual([]);
  });

  it('CreateUser carries the boundary and its tags, and with tags also needs iam:TagUser', () => {
    const requests = permissionsFor(
      call('iam', 'CreateUser', {
        UserName: 'orders',
        Path: '/mint/',
        PermissionsBoundary: 'arn:aws:iam::111111111111:policy/b',
        Tags: [{ Key: 'mint:app-id', Value: 'orders' }],
      }),
      world({ user: () => undefined }),
    );
    const tagged = { 'aws:RequestTag/mint:app-id': 'orders', 'aws:TagKeys': ['mint:app-id'] };
    expect(requests).toEqual([
      {
        action: 'iam:CreateUser',
        resource: 'arn:aws:iam::111111111111:user/mint/orders',
        context: { 'iam:PermissionsBoundary': 'arn:aws:iam::111111111111:policy/b', ...tagged },
      },
      { action: 'iam:TagUser', resource: 'arn:aws:iam::111111111111:user/mint/orders', context: tagged },
    ]);
  });

  it('a call on an existing user names its path and carries its tags; a missing user has no path', () => {
    expect(permissionsFor(call('iam', 'CreateAccessKey', { UserName: 'orders' }), world())).toEqual([
      {
        action: 'iam:CreateAccessKey',
        resource: 'arn:aws:iam::111111111111:user/mint/orders',
        context: { 'aws:ResourceTag/mint:app-id': 'orders' },
      },
    ]);
    expect(actions(call('iam', 'DeleteUser', { UserName: 'gone' }))).toEqual([
      'iam:DeleteUser arn:aws:iam::111111111111:user/gone',
    ]);
  });

  it('group membership is authorized on the group (at the root path), whatever the user', () => {
    for (const operation of ['AddUserToGroup', 'RemoveUserFromGroup']) {
      expect(
        permissionsFor(
          call('iam', operation, { GroupName: 'mint-service-users', UserName: 'orders' }),
          world(),
        ),
      ).toEqual([
        {
          action: `iam:${operation}`,
          resource: 'arn:aws:iam::111111111111:group/mint-service-users',
          context: {},
        },
      ]);
    }
  });

  it("a Cognito admin call is cognito-idp:<Operation> on the pool's ARN, from UserPoolId", () => {
    const pool = 'arn:aws:cognito-idp:eu-central-1:111111111111:userpool/eu-central-1_AbC123';
    expect(
      permissionsFor(
        call('cognito-idp', 'AdminSetUserPassword', {
          UserPoolId: 'eu-central-1_AbC123',
          Username: 'orders',
          Password: 'x',
          Permanent: true,
        }),
        world(),
      ),
    ).toEqual([{ action: 'cognito-idp:AdminSetUserPassword', resource: pool, context: {} }]);
    const operations = [
      'ListUsers',
      'ListUserPoolClients',
      'AdminCreateUser',
      'AdminGetUser',
      'AdminUpdateUserAttributes',
      'AdminDeleteUserAttributes',
      'AdminDeleteUser',
      'CreateUserPoolClient',
      'DeleteUserPoolClient',
      'DescribeUserPool',
      'AddUserPoolClientSecret',
      'ListUserPoolClientSecrets',
      'DeleteUserPoolClientSecret',
    ];
    for (const operation of operations) {
      expect(
        actions(call('cognito-idp', operation, { UserPoolId: 'eu-central-1_AbC123', ClientId: 'c1' })),
      ).toEqual([`cognito-idp:${operation} ${pool}`]);
    }
  });

  it("an app's own sign-in (InitiateAuth) is not authorized by IAM", () => {
    expect(
      permissionsFor(
        call('cognito-idp', 'InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'c1' }),
        world(),
      ),
    ).toEqual([]);
  });

  it('an operation missing from the table is an error naming it, never a silent skip', () => {
    expect(() => permissionsFor(call('iam', 'AttachUserPolicy', {}), world())).toThrow(
      UnmappedOperationError,
    );
    expect(() => permissionsFor(call('iam', 'AttachUserPolicy', {}), world())).toThrow(
      /iam:AttachUserPolicy/,
    );
    expect(() => permissionsFor(call('cognito-idp', 'UpdateUserPool', {}), world())).toThrow(
      /cognito-idp:UpdateUserPool/,
    );
  });
});
