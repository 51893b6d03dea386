import type { KeyPattern } from '../lambdas/contracts/keys';

/**
 * What each of Mint's functions may do, and why: the one source of every grant. `function-grants.ts`
 * turns it into IAM statements (with the denies of `user-guards.ts`), the README's "Permissions" table is
 * rendered from it (`permissions-readme.ts`, `npm run permissions`), and the authorization tier (`test/workflow/authorization.test.ts`) proves
 * that every call each function makes is allowed by what this deploys, and that every line is used
 * (or explained in `unexercised-grants.ts`).
 * No CDK here, so the table can be rendered and tested without synthesizing.
 */

export type { MintFunction } from '../lambdas/contracts/settings';

import type { MintFunction } from '../lambdas/contracts/settings';

/** What a grant applies to; `function-grants.ts` turns each into ARNs of the deployed resources. */
export type Target =
  | { objects: readonly KeyPattern[] }
  | 'bucket'
  /** The bucket's KMS key, only as S3 uses it on the function's behalf (`kms:ViaService`). */
  | 'bucketKey'
  /** IAM users directly under Mint's path (`mint:userPath`). */
  | 'serviceUsers'
  /** Actions that have no resource-level permissions: IAM accepts only `*`. */
  | 'account'
  | 'stateMachine'
  | 'kioTokenSecret'
  /** The Cognito user pool of the service users: its ARN only. */
  | 'userPool'
  /** The IAM group of `mint:serviceUserGroup`: its ARN only. */
  | 'serviceUserGroup';

/** Where the service users live (`mint:identityStore`). */
export type IdentityStore = 'iam' | 'cognito';

/**
 * Conditions a grant carries. `managedUser`: the user already carries `mint:app-id` (Mint made it).
 * `newUser`: the user does not carry it yet, as in the tags of `CreateUser`. `withBoundary`: the request
 * sets exactly Mint's permissions boundary. `tagsNewUserAsApp`: the request tags the user with
 * `mint:app-id`. `appPrefixes`: a version listing only of app credentials or staged rotations.
 */
export type Condition = 'managedUser' | 'newUser' | 'withBoundary' | 'tagsNewUserAsApp' | 'appPrefixes';

export interface Grant {
  /** The statement id in the deployed policy. */
  sid: string;
  actions: readonly string[];
  on: Target;
  when?: readonly Condition[];
  /** Why the function needs it: shown in the README and in cdk-nag acknowledgements. */
  why: string;
  /** Deployed only when this holds: a Kio token is configured, or service users join a group. */
  onlyIf?: 'kioToken' | 'serviceUserGroup';
  /** Deployed only with this identity store. @default both */
  store?: IdentityStore;
}

/** What decides which grants are deployed. */
export interface GrantOptions {
  /** `mint:kioTokenSecretName` is set. */
  kioToken: boolean;
  identityStore: IdentityStore;
  /** `mint:serviceUserGroup` is set (IAM store only). */
  serviceUserGroup: boolean;
}

const S3_WITH_KMS = "S3 encrypts and decrypts with the bucket key on the caller's behalf (SSE-KMS)";
const MISSING_IS_404 =
  'S3 answers a GET of a missing object with 404 only to callers that may list the bucket, 403 otherwise';

/** Every function that reads and writes the bucket's objects: S3 uses the key on its behalf. */
const ENCRYPT_AND_DECRYPT_THROUGH_S3: Grant = {
  sid: 'EncryptAndDecryptThroughS3',
  actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
  on: 'bucketKey',
  why: S3_WITH_KMS,
};

/** Every function that reads objects that may not exist yet. */
const MISSING_OBJECTS_ARE_404: Grant = {
  sid: 'MissingObjectsAre404',
  actions: ['s3:ListBucket'],
  on: 'bucket',
  why: MISSING_IS_404,
};

export const FUNCTION_GRANTS: Record<MintFunction, readonly Grant[]> = {
  startCycle: [
    {
      sid: 'FindRunningCycles',
      actions: ['states:ListExecutions'],
      on: 'stateMachine',
      why: 'ends the cycle at once when an earlier one is still running',
    },
  ],
  listApps: [
    {
      sid: 'WriteKioSnapshot',
      actions: ['s3:PutObject'],
      on: { objects: ['snapshots'] },
      why: 'stores the validated Kio answer that the rest of the cycle reads',
    },
    { sid: 'EncryptThroughS3', actions: ['kms:GenerateDataKey'], on: 'bucketKey', why: S3_WITH_KMS },
    {
      sid: 'ReadKioToken',
      actions: ['secretsmanager:GetSecretValue'],
      on: 'kioTokenSecret',
      why: "Kio's bearer token (only with mint:kioTokenSecretName)",
      onlyIf: 'kioToken',
    },
  ],
  reconcile: [
    {
      sid: 'ListServiceUsers',
      store: 'iam',
      actions: ['iam:GetAccountAuthorizationDetails'],
      on: 'account',
      why: 'lists every user with its path, boundary and tags, 1,000 per call (no per-app call when idle)',
    },
    {
      sid: 'ReadUserQuota',
      store: 'iam',
      actions: ['iam:GetAccountSummary'],
      on: 'account',
      why: "reads the account's user count and users-per-account quota, only once the listing counts 4,500 users (90 % of the default)",
    },
    {
      sid: 'CreateUsersWithBoundary',
      store: 'iam',
      actions: ['iam:CreateUser'],
      on: 'serviceUsers',
      when: ['withBoundary', 'tagsNewUserAsApp'],
      why: "creates an active app's user, only with Mint's boundary and its mint:app-id tag",
    },
    {
      sid: 'TagUsersAtCreation',
      store: 'iam',
      actions: ['iam:TagUser'],
      on: 'serviceUsers',
      when: ['newUser', 'tagsNewUserAsApp'],
      why: 'CreateUser with tags also needs iam:TagUser on the user being created',
    },
    {
      sid: 'RepairBoundary',
      store: 'iam',
      actions: ['iam:PutUserPermissionsBoundary'],
      on: 'serviceUsers',
      when: ['managedUser', 'withBoundary'],
      why: "puts Mint's boundary back on a user that lost it",
    },
    {
      sid: 'ManageMintUsers',
      store: 'iam',
      actions: [
        'iam:TagUser',
        'iam:ListAccessKeys',
        'iam:DeleteAccessKey',
        'iam:DeleteLoginProfile',
        'iam:DeleteUser',
      ],
      on: 'serviceUsers',
      when: ['managedUser'],
      why: 'retags reader accounts; deletes the user of an app that left Kio, keys and password first',
    },
    {
      sid: 'ClearRemovedUsers',
      store: 'iam',
      actions: [
        'iam:ListAttachedUserPolicies',
        'iam:DetachUserPolicy',
        'iam:ListUserPolicies',
        'iam:DeleteUserPolicy',
        'iam:ListMFADevices',
        'iam:DeactivateMFADevice',
        'iam:ListSigningCertificates',
        'iam:DeleteSigningCertificate',
        'iam:ListSSHPublicKeys',
        'iam:DeleteSSHPublicKey',
        'iam:ListServiceSpecificCredentials',
        'iam:DeleteServiceSpecificCredential',
        'iam:ListGroupsForUser',
      ],
      on: 'serviceUsers',
      when: ['managedUser'],
      why:
        "when IAM refuses to delete a removed app's user (DeleteConflict), removes what was hung on it by hand " +
        '(policies, MFA devices, certificates, SSH keys, service credentials) and lists its groups, which it reports',
    },
    {
      sid: 'JoinAndLeaveServiceUserGroup',
      store: 'iam',
      onlyIf: 'serviceUserGroup',
      actions: ['iam:AddUserToGroup', 'iam:RemoveUserFromGroup'],
      on: 'serviceUserGroup',
      why:
        'adds each new user (and one found outside it) to mint:serviceUserGroup, whose policies say what apps ' +
        "may do; takes a removed app's user out of it first (IAM deletes no user that is in a group)",
    },
    {
      sid: 'ReadServiceUserPool',
      store: 'cognito',
      actions: ['cognito-idp:ListUsers', 'cognito-idp:ListUserPoolClients', 'cognito-idp:AdminGetUser'],
      on: 'userPool',
      why:
        'lists its users with their attributes and its app clients, 60 per call (no per-app call when ' +
        "idle); reads one user whose name is taken, to finish only a creation of Mint's own",
    },
    {
      sid: 'CreatePoolUsersAndClients',
      store: 'cognito',
      actions: [
        'cognito-idp:AdminCreateUser',
        'cognito-idp:CreateUserPoolClient',
        'cognito-idp:AdminUpdateUserAttributes',
      ],
      on: 'userPool',
      why:
        "creates an active app's user (no message: MessageAction SUPPRESS) and its confidential app client, " +
        "and records the app id, client id and reader accounts in the user's attributes",
    },
    {
      sid: 'RemovePoolUsersAndClients',
      store: 'cognito',
      actions: [
        'cognito-idp:AdminDeleteUserAttributes',
        'cognito-idp:DeleteUserPoolClient',
        'cognito-idp:AdminDeleteUser',
      ],
      on: 'userPool',
      why: "clears marks (a lost client's key marks, removed readers); deletes the app client (its secrets with it), then the user, of an app that left Kio",
    },
    {
      sid: 'ReadCycleFiles',
      actions: ['s3:GetObject', 's3:PutObject'],
      on: { objects: ['cycles'] },
      why: "reads the cycle's Kio snapshot; writes batch files and a dry run's plan",
    },
    {
      sid: 'ReadOwnerMapping',
      actions: ['s3:GetObject'],
      on: { objects: ['owners'] },
      why: 'which accounts read which app (_mint/owners.json)',
    },
    {
      sid: 'ReadAndWriteStatus',
      actions: ['s3:GetObject', 's3:PutObject'],
      on: { objects: ['status'] },
      why: 'rebuilds _mint/status.json and writes it when it changed',
    },
    {
      sid: 'ListStagesAndMissingObjectsAre404',
      actions: ['s3:ListBucket'],
      on: 'bucket',
      why: `lists unfinished rotations under _mint/pending/ once per cycle; and ${MISSING_IS_404.charAt(0).toLowerCase()}${MISSING_IS_404.slice(1)}`,
    },
    {
      sid: 'RetagReaders',
      actions: ['s3:PutObjectTagging'],
      on: { objects: ['credentials'] },
      why: "changes an app's reader accounts on its current credentials.json",
    },
    {
      sid: 'ListRemovedAppsVersions',
      actions: ['s3:ListBucketVersions'],
      on: 'bucket',
      when: ['appPrefixes'],
      why: "finds every version of a removed app's credentials and staged rotation",
    },
    {
      sid: 'DeleteRemovedAppsVersions',
      actions: ['s3:DeleteObjectVersion'],
      on: { objects: ['credentials', 'pending'] },
      why: "deletes every version of a removed app's credentials and staged rotation, nothing under _mint/ else",
    },
    ENCRYPT_AND_DECRYPT_THROUGH_S3,
  ],
  rotateBatch: [
    {
      sid: 'ReadPasswordPolicy',
      store: 'iam',
      actions: ['iam:GetAccountPasswordPolicy'],
      on: 'account',
      why: "generates passwords that meet the account's password policy",
    },
    {
      sid: 'RotateMintUsers',
      store: 'iam',
      actions: [
        'iam:ListAccessKeys',
        'iam:CreateAccessKey',
        'iam:DeleteAccessKey',
        'iam:CreateLoginProfile',
        'iam:UpdateLoginProfile',
        'iam:TagUser',
        'iam:ListUserTags',
      ],
      on: 'serviceUsers',
      when: ['managedUser'],
      why: 'creates the new key and password, retires the previous key, records rotation state in tags',
    },
    {
      sid: 'ReadPoolPasswordPolicy',
      store: 'cognito',
      actions: ['cognito-idp:DescribeUserPool'],
      on: 'userPool',
      why: "generates passwords that meet the pool's password policy",
    },
    {
      sid: 'RotatePoolUsers',
      store: 'cognito',
      actions: [
        'cognito-idp:AdminGetUser',
        'cognito-idp:AdminSetUserPassword',
        'cognito-idp:AddUserPoolClientSecret',
        'cognito-idp:ListUserPoolClientSecrets',
        'cognito-idp:DeleteUserPoolClientSecret',
        'cognito-idp:AdminUpdateUserAttributes',
        'cognito-idp:AdminDeleteUserAttributes',
      ],
      on: 'userPool',
      why:
        "sets the new password, adds the new client secret and retires the previous one, records rotation state in the user's attributes " +
        '(testing them needs no grant: InitiateAuth and /oauth2/token are not authorized by IAM)',
    },
    {
      sid: 'ReadBatchFiles',
      actions: ['s3:GetObject'],
      on: { objects: ['batches', 'retryBatches'] },
      why: "reads its batch's apps",
    },
    {
      sid: 'WriteBatchOutcomes',
      actions: ['s3:PutObject'],
      on: { objects: ['batchOutcomes', 'retryOutcomes'] },
      why: "writes its apps' outcomes beside its batch file (never the report or another cycle file)",
    },
    {
      sid: 'StageRotations',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      on: { objects: ['pending'] },
      why: 'stages the new secret before IAM changes, resumes from it after a crash, clears it once published',
    },
    {
      sid: 'PublishCredentials',
      actions: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'],
      on: { objects: ['credentials'] },
      why: 'reads what is published; publishes the tested secret with its reader-accounts tag',
    },
    MISSING_OBJECTS_ARE_404,
    ENCRYPT_AND_DECRYPT_THROUGH_S3,
    {
      sid: 'FindRunningCycles',
      actions: ['states:ListExecutions'],
      on: 'stateMachine',
      why: 'a retried or redriven batch waits while another cycle runs',
    },
  ],
  report: [
    {
      sid: 'ReadAndWriteCycleFiles',
      actions: ['s3:GetObject', 's3:PutObject'],
      on: { objects: ['cycles'] },
      why: 'reads batch outcomes; writes report.json and the retry batches',
    },
    MISSING_OBJECTS_ARE_404,
    ENCRYPT_AND_DECRYPT_THROUGH_S3,
  ],
};

/** The grants `fn` gets with these options. */
export function grantsFor(fn: MintFunction, options: GrantOptions): Grant[] {
  return FUNCTION_GRANTS[fn].filter(
    (g) =>
      (g.store === undefined || g.store === options.identityStore) &&
      (g.onlyIf !== 'kioToken' || options.kioToken) &&
      (g.onlyIf !== 'serviceUserGroup' || options.serviceUserGroup),
  );
}

/** Whether `fn` may touch IAM users (with the IAM store): it then carries the denies of `user-guards.ts`. */
export function touchesUsers(fn: MintFunction): boolean {
  return FUNCTION_GRANTS[fn].some((g) => g.on === 'serviceUsers');
}
