/**
 * Which IAM authorizations AWS performs for one SDK call: the action(s), the resource ARN, and the
 * request's own context keys. This is the explicit table the authorization tier evaluates against the
 * synthesized policies. An operation missing here is an error naming it, never a silent skip.
 *
 * Sources: the Service Authorization Reference (actions, resource types and condition keys of S3, IAM,
 * KMS, STS, Step Functions, Secrets Manager) and the API references' "permissions" notes: S3 answers a
 * GET of a missing key with 404 only to a caller allowed s3:ListBucket (403 otherwise); PutObject with
 * `Tagging` also needs s3:PutObjectTagging; HeadObject is authorized as s3:GetObject; DeleteObject with
 * a VersionId (and each versioned entry of DeleteObjects) is s3:DeleteObjectVersion; SSE-KMS makes S3
 * call kms:GenerateDataKey on a write and kms:Decrypt on a read with the caller's permissions
 * (kms:ViaService = s3.<region>.amazonaws.com); CreateUser with Tags also needs iam:TagUser;
 * group membership is authorized on the group, not the user; sts:GetCallerIdentity needs no permission
 * at all. Cognito user pools: every administrative operation is `cognito-idp:<Operation>` on the pool's
 * ARN (`userpool`, the only resource type those actions have), and the sign-in operations
 * (InitiateAuth, RespondToAuthChallenge) are not authorized by IAM at all, nor is the pool's
 * /oauth2/token endpoint, which no SDK calls.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html
 */

import type { SdkCall as LocalSdkCall, Service as LocalService } from '../../../local/in-memory-aws/sdk-call';

/**
 * The services the table knows: the in-memory AWS's, and Cognito user pools, which it authorizes for
 * whichever double hands it a `cognito-idp` call. (Once `local/in-memory-aws/sdk-call.ts` lists
 * `cognito-idp` itself, this widening is a no-op.)
 */
export type Service = LocalService | 'cognito-idp';
export type SdkCall = Omit<LocalSdkCall, 'service'> & { service: Service };

/** What the world looks like at the moment of the call: existence and tags decide some authorizations. */
export interface AwsWorld {
  account: string;
  region: string;
  /** The KMS key S3 encrypts this bucket's objects with (SSE-KMS), if any. */
  bucketKeyArn(bucket: string): string | undefined;
  user(userName: string): { path: string; tags: Record<string, string> } | undefined;
  object(bucket: string, key: string): { tags: Record<string, string> } | undefined;
}

export interface PermissionRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

export class UnmappedOperationError extends Error {
  constructor(call: SdkCall) {
    super(
      `${call.service}:${call.operation} is not in the SDK-to-IAM table (test/support/authorization/sdk-permissions.ts): ` +
        'add the IAM actions, resource and context keys AWS authorizes it with',
    );
    this.name = 'UnmappedOperationError';
  }
}

type Mapper = (input: Record<string, unknown>, world: AwsWorld) => PermissionRequest[];

const str = (value: unknown): string => (typeof value === 'string' ? value : String(value ?? ''));

function tagContext(prefix: string, tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}/${k}`, v]));
}

// --- S3 -----------------------------------------------------------------------------------------------

const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;

function kms(world: AwsWorld, bucket: string, action: 'kms:GenerateDataKey' | 'kms:Decrypt') {
  const key = world.bucketKeyArn(bucket);
  return key
    ? [{ action, resource: key, context: { 'kms:ViaService': `s3.${world.region}.amazonaws.com` } }]
    : [];
}

function existingTags(world: AwsWorld, bucket: string, key: string): Record<string, string> {
  return tagContext('s3:ExistingObjectTag', world.object(bucket, key)?.tags ?? {});
}

function requestTags(tags: Record<string, string>): Record<string, string | string[]> {
  if (Object.keys(tags).length === 0) return {};
  return { ...tagContext('s3:RequestObjectTag', tags), 's3:RequestObjectTagKeys': Object.keys(tags) };
}

/** A read of one object: 404 needs s3:ListBucket; a found SSE-KMS object needs kms:Decrypt. */
const readObject =
  (decrypts: boolean): Mapper =>
  (input, world) => {
    const bucket = str(input.Bucket);
    const key = str(input.Key);
    // A read of a named version is its own action, which bucket policies often deny.
    const read = {
      action: input.VersionId ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: objectArn(bucket, key),
      context: existingTags(world, bucket, key),
    };
    if (!world.object(bucket, key))
      return [read, { action: 's3:ListBucket', resource: bucketArn(bucket), context: {} }];
    return [read, ...(decrypts ? kms(world, bucket, 'kms:Decrypt') : [])];
  };

function prefixContext(input: Record<string, unknown>): Record<string, string> {
  return input.Prefix !== undefined ? { 's3:prefix': str(input.Prefix) } : {};
}

const S3: Record<string, Mapper> = {
  GetObject: readObject(true),
  HeadObject: readObject(false),
  PutObject: (input, world) => {
    const bucket = str(input.Bucket);
    const key = str(input.Key);
    const tags = Object.fromEntries(new URLSearchParams(str(input.Tagging ?? '')));
    return [
      { action: 's3:PutObject', resource: objectArn(bucket, key), context: requestTags(tags) },
      ...(input.Tagging !== undefined
        ? [{ action: 's3:PutObjectTagging', resource: objectArn(bucket, key), context: requestTags(tags) }]
        : []),
      ...kms(world, bucket, 'kms:GenerateDataKey'),
    ];
  },
  PutObjectTagging: (input, world) => {
    const bucket = str(input.Bucket);
    const key = str(input.Key);
    const set = ((input.Tagging as { TagSet?: { Key?: string; Value?: string }[] })?.TagSet ?? []).map(
      (t) => [str(t.Key), str(t.Value)] as const,
    );
    return [
      {
        action: input.VersionId ? 's3:PutObjectVersionTagging' : 's3:PutObjectTagging',
        resource: objectArn(bucket, key),
        context: { ...existingTags(world, bucket, key), ...requestTags(Object.fromEntries(set)) },
      },
    ];
  },
  DeleteObject: (input) => [
    {
      action: input.VersionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
      resource: objectArn(str(input.Bucket), str(input.Key)),
      context: {},
    },
  ],
  // One authorization per object: the request goes to the bucket, the decision is made per key.
  DeleteObjects: (input) =>
    ((input.Delete as { Objects?: { Key?: string; VersionId?: string }[] })?.Objects ?? []).map((o) => ({
      action: o.VersionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
      resource: objectArn(str(input.Bucket), str(o.Key)),
      context: {},
    })),
  ListObjectVersions: (input) => [
    {
      action: 's3:ListBucketVersions',
      resource: bucketArn(str(input.Bucket)),
      context: prefixContext(input),
    },
  ],
  ListObjectsV2: (input) => [
    {
      action: 's3:ListBucket',
      resource: bucketArn(str(input.Bucket)),
      context: prefixContext(input),
    },
  ],
};

// --- IAM ----------------------------------------------------------------------------------------------

/**
 * An existing user is authorized by its ARN with its path, and carries its tags as aws:ResourceTag. A
 * user that does not exist has no path IAM could know: its ARN is `user/<name>`, which a path-scoped
 * policy does not match (the caller then sees AccessDenied, not NoSuchEntity).
 */
function userRequest(
  world: AwsWorld,
  userName: string,
  action: string,
  extra: Record<string, string | string[]> = {},
) {
  const user = world.user(userName);
  return {
    action,
    resource: `arn:aws:iam::${world.account}:user${user?.path ?? '/'}${userName}`,
    context: { ...tagContext('aws:ResourceTag', user?.tags ?? {}), ...extra },
  };
}

function iamTags(input: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    ((input.Tags ?? []) as { Key?: string; Value?: string }[]).map((t) => [str(t.Key), str(t.Value)]),
  );
}

function tagRequestContext(tags: Record<string, string>): Record<string, string | string[]> {
  return { ...tagContext('aws:RequestTag', tags), 'aws:TagKeys': Object.keys(tags) };
}

const onUser =
  (action: string, extra?: (input: Record<string, unknown>) => Record<string, string | string[]>): Mapper =>
  (input, world) => [userRequest(world, str(input.UserName), action, extra?.(input))];

const onGroup =
  (action: string): Mapper =>
  (input, world) => [
    { action, resource: `arn:aws:iam::${world.account}:group/${str(input.GroupName)}`, context: {} },
  ];

const IAM: Record<string, Mapper> = {
  GetAccountAuthorizationDetails: () => [
    { action: 'iam:GetAccountAuthorizationDetails', resource: '*', context: {} },
  ],
  GetAccountPasswordPolicy: () => [{ action: 'iam:GetAccountPasswordPolicy', resource: '*', context: {} }],
  CreateUser: (input, world) => {
    const tags = iamTags(input);
    const resource = `arn:aws:iam::${world.account}:user${str(input.Path ?? '/')}${str(input.UserName)}`;
    const boundary: Record<string, string> = input.PermissionsBoundary
      ? { 'iam:PermissionsBoundary': str(input.PermissionsBoundary) }
      : {};
    const tagged = Object.keys(tags).length > 0;
    return [
      {
        action: 'iam:CreateUser',
        resource,
        context: { ...boundary, ...(tagged ? tagRequestContext(tags) : {}) },
      },
      ...(tagged ? [{ action: 'iam:TagUser', resource, context: tagRequestContext(tags) }] : []),
    ];
  },
  TagUser: onUser('iam:TagUser', (input) => tagRequestContext(iamTags(input))),
  UntagUser: onUser('iam:UntagUser', (input) => ({ 'aws:TagKeys': (input.TagKeys ?? []) as string[] })),
  PutUserPermissionsBoundary: onUser('iam:PutUserPermissionsBoundary', (input) => ({
    'iam:PermissionsBoundary': str(input.PermissionsBoundary),
  })),
  DeleteUser: onUser('iam:DeleteUser'),
  ListAccessKeys: onUser('iam:ListAccessKeys'),
  CreateAccessKey: onUser('iam:CreateAccessKey'),
  DeleteAccessKey: onUser('iam:DeleteAccessKey'),
  UpdateAccessKey: onUser('iam:UpdateAccessKey'),
  CreateLoginProfile: onUser('iam:CreateLoginProfile'),
  UpdateLoginProfile: onUser('iam:UpdateLoginProfile'),
  DeleteLoginProfile: onUser('iam:DeleteLoginProfile'),
  ListUserTags: onUser('iam:ListUserTags'),
  // What IAM may hang on a user (DeleteUser refuses while any remains): each listed and removed on the
  // user, except group membership, which IAM authorizes on the group.
  ListAttachedUserPolicies: onUser('iam:ListAttachedUserPolicies'),
  DetachUserPolicy: onUser('iam:DetachUserPolicy', (input) => ({ 'iam:PolicyARN': str(input.PolicyArn) })),
  ListUserPolicies: onUser('iam:ListUserPolicies'),
  DeleteUserPolicy: onUser('iam:DeleteUserPolicy'),
  ListMFADevices: onUser('iam:ListMFADevices'),
  DeactivateMFADevice: onUser('iam:DeactivateMFADevice'),
  ListSigningCertificates: onUser('iam:ListSigningCertificates'),
  DeleteSigningCertificate: onUser('iam:DeleteSigningCertificate'),
  ListSSHPublicKeys: onUser('iam:ListSSHPublicKeys'),
  DeleteSSHPublicKey: onUser('iam:DeleteSSHPublicKey'),
  ListServiceSpecificCredentials: onUser('iam:ListServiceSpecificCredentials'),
  DeleteServiceSpecificCredential: onUser('iam:DeleteServiceSpecificCredential'),
  ListGroupsForUser: onUser('iam:ListGroupsForUser'),
  // Authorized on the group, whatever the user: a group's ARN carries its path, which the request does
  // not, so the table assumes a group at the root path (as Mint's mint:serviceUserGroup must be).
  AddUserToGroup: onGroup('iam:AddUserToGroup'),
  RemoveUserFromGroup: onGroup('iam:RemoveUserFromGroup'),
  GetGroup: onGroup('iam:GetGroup'),
  // No resource-level permissions: the account's entity counts and quotas.
  GetAccountSummary: () => [{ action: 'iam:GetAccountSummary', resource: '*', context: {} }],
};

// --- Cognito user pools -------------------------------------------------------------------------------

/** `cognito-idp:<operation>` on the pool the request names (`UserPoolId`). */
const onPool =
  (operation: string): Mapper =>
  (input, world) => [
    {
      action: `cognito-idp:${operation}`,
      resource: `arn:aws:cognito-idp:${world.region}:${world.account}:userpool/${str(input.UserPoolId)}`,
      context: {},
    },
  ];

/** The operations a Cognito identity store may call; each authorized on the pool. */
const POOL_OPERATIONS = [
  'DescribeUserPool',
  'ListUsers',
  'AdminGetUser',
  'AdminCreateUser',
  'AdminUpdateUserAttributes',
  'AdminDeleteUserAttributes',
  'AdminSetUserPassword',
  'AdminDeleteUser',
  'AdminDisableUser',
  'AdminEnableUser',
  'AdminInitiateAuth',
  'ListUserPoolClients',
  'DescribeUserPoolClient',
  'CreateUserPoolClient',
  'UpdateUserPoolClient',
  'DeleteUserPoolClient',
  'ListUserPoolClientSecrets',
  'AddUserPoolClientSecret',
  'DeleteUserPoolClientSecret',
  'AddCustomAttributes',
  'DescribeResourceServer',
] as const;

const COGNITO: Record<string, Mapper> = {
  ...Object.fromEntries(POOL_OPERATIONS.map((operation) => [operation, onPool(operation)])),
  // "Amazon Cognito doesn't evaluate IAM policies in requests for this API operation" (API reference):
  // an app's own sign-in, which Mint makes to test a new password.
  InitiateAuth: () => [],
  RespondToAuthChallenge: () => [],
};

// --- the rest -----------------------------------------------------------------------------------------

const OTHERS: Record<string, Record<string, Mapper>> = {
  // Needs no permission: "No permissions are required to perform this operation" (STS API reference).
  sts: { GetCallerIdentity: () => [] },
  sfn: {
    ListExecutions: (input) => [
      { action: 'states:ListExecutions', resource: str(input.stateMachineArn), context: {} },
    ],
    StartExecution: (input) => [
      { action: 'states:StartExecution', resource: str(input.stateMachineArn), context: {} },
    ],
    DescribeExecution: (input) => [
      { action: 'states:DescribeExecution', resource: str(input.executionArn), context: {} },
    ],
    GetExecutionHistory: (input) => [
      { action: 'states:GetExecutionHistory', resource: str(input.executionArn), context: {} },
    ],
    RedriveExecution: (input) => [
      { action: 'states:RedriveExecution', resource: str(input.executionArn), context: {} },
    ],
  },
  cloudformation: {
    // A stack's ARN ends in its id, which the caller does not know: any id of the named stack.
    DescribeStacks: (input, world) => [
      {
        action: 'cloudformation:DescribeStacks',
        resource: `arn:aws:cloudformation:${world.region}:${world.account}:stack/${str(input.StackName)}/0f7c3a50-0000-4000-8000-000000000000`,
        context: {},
      },
    ],
  },
  secretsmanager: {
    GetSecretValue: (input, world) => [
      {
        action: 'secretsmanager:GetSecretValue',
        resource: str(input.SecretId).startsWith('arn:')
          ? str(input.SecretId)
          : `arn:aws:secretsmanager:${world.region}:${world.account}:secret:${str(input.SecretId)}-AbCdEf`,
        context: {},
      },
    ],
  },
};

const TABLE: Record<Service, Record<string, Mapper>> = {
  s3: S3,
  iam: IAM,
  'cognito-idp': COGNITO,
  ...OTHERS,
} as Record<Service, Record<string, Mapper>>;

export function permissionsFor(call: SdkCall, world: AwsWorld): PermissionRequest[] {
  const mapper = TABLE[call.service]?.[call.operation];
  if (!mapper) throw new UnmappedOperationError(call);
  return mapper(call.input, world);
}
