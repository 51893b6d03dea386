import { credentialsKey, cycleKeys, OWNERS_KEY, STATUS_KEY } from '../../../lambdas/contracts/keys';
import { TAG } from '../../../lambdas/core/service-users';
import type { PermissionRequest } from './sdk-permissions';
import type { DeployedTemplate } from './template-policies';

/**
 * What no function may ever do, whatever its grants say: evaluated like every recorded call, as each
 * function's role. `except` names the functions (by short name: Reconcile, RotateBatch, …) that must be
 * allowed the requests instead.
 */
export interface MustNever {
  what: string;
  requests(deployed: DeployedTemplate): PermissionRequest[];
  /** Functions that must be allowed these requests instead (the one whose job it is). */
  except?: string[];
  /** Only these functions are checked (default: all). */
  appliesTo?: string[];
}

const BUCKET = 'mint-secrets';
const BOUNDARY = 'arn:aws:iam::111111111111:policy/mint-deny-all';
const object = (key: string) => `arn:aws:s3:::${BUCKET}/${key}`;
const user = (deployed: DeployedTemplate, path: string, name: string) =>
  `arn:aws:iam::${deployed.names.account}:user${path}${name}`;
const mintUserTags = { [`aws:ResourceTag/${TAG.appId}`]: 'orders' };
const key = (deployed: DeployedTemplate) => deployed.bucketKeyArn(BUCKET) ?? 'no-key';
/** Mint's user pool, or (IAM store) a pool of that name that must be as out of reach as any other. */
const mintPool = (d: DeployedTemplate) =>
  d.userPoolArn() ??
  `arn:aws:cognito-idp:${d.names.region}:${d.names.account}:userpool/${d.names.region}_Mint`;
const otherPool = (d: DeployedTemplate) =>
  `arn:aws:cognito-idp:${d.names.region}:${d.names.account}:userpool/${d.names.region}_Other`;
const onPool = (pool: string, actions: string[]) =>
  actions.map((action) => ({ action: `cognito-idp:${action}`, resource: pool, context: {} }));

export const MUST_NEVER: readonly MustNever[] = [
  {
    what: "create a user outside Mint's path, in a path nested under it, or without Mint's boundary",
    requests: (d) => [
      ...[user(d, '/', 'orders'), user(d, '/ops/', 'orders'), user(d, '/mint/ops/', 'admin')].map(
        (resource) => ({
          action: 'iam:CreateUser',
          resource,
          context: {
            'iam:PermissionsBoundary': BOUNDARY,
            [`aws:RequestTag/${TAG.appId}`]: 'orders',
            'aws:TagKeys': [TAG.appId],
          },
        }),
      ),
      { action: 'iam:CreateUser', resource: user(d, '/mint/', 'orders'), context: {} },
      {
        action: 'iam:CreateUser',
        resource: user(d, '/mint/', 'orders'),
        context: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' },
      },
    ],
  },
  {
    what: 'attach or put a policy on a user, add it to a group, or remove its boundary',
    requests: (d) =>
      ['iam:AttachUserPolicy', 'iam:PutUserPolicy', 'iam:DeleteUserPermissionsBoundary']
        .map((action) => ({ action, resource: user(d, '/mint/', 'orders'), context: { ...mintUserTags } }))
        .concat([
          // Group membership is authorized on the group: no group may take in Mint's users.
          {
            action: 'iam:AddUserToGroup',
            resource: `arn:aws:iam::${d.names.account}:group/Admins`,
            context: {},
          },
        ]),
  },
  {
    what: "remove any user from a group: IAM authorizes it on the group, so it cannot be limited to Mint's users",
    requests: (d) =>
      ['Admins', 'mint/Readers'].map((group) => ({
        action: 'iam:RemoveUserFromGroup',
        resource: `arn:aws:iam::${d.names.account}:group/${group}`,
        context: {},
      })),
  },
  {
    what: 'create keys or passwords for, or delete, a user Mint does not manage (nested path, or no mint:app-id)',
    requests: (d) =>
      ['iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile', 'iam:DeleteUser'].flatMap(
        (action) => [
          { action, resource: user(d, '/mint/ops/', 'admin'), context: { ...mintUserTags } },
          { action, resource: user(d, '/mint/', 'untagged'), context: {} },
          { action, resource: user(d, '/', 'admin'), context: { ...mintUserTags } },
        ],
      ),
  },
  {
    what: `change or remove ${TAG.appId} on an existing user`,
    requests: (d) => [
      {
        action: 'iam:TagUser',
        resource: user(d, '/mint/', 'orders'),
        context: { ...mintUserTags, [`aws:RequestTag/${TAG.appId}`]: 'payments', 'aws:TagKeys': [TAG.appId] },
      },
      {
        action: 'iam:UntagUser',
        resource: user(d, '/mint/', 'orders'),
        context: { ...mintUserTags, 'aws:TagKeys': [TAG.appId] },
      },
    ],
  },
  {
    what: 'change the bucket policy or schedule the key for deletion',
    requests: (d) => [
      { action: 's3:PutBucketPolicy', resource: `arn:aws:s3:::${BUCKET}`, context: {} },
      { action: 's3:DeleteBucketPolicy', resource: `arn:aws:s3:::${BUCKET}`, context: {} },
      { action: 'kms:ScheduleKeyDeletion', resource: key(d), context: {} },
      { action: 'kms:PutKeyPolicy', resource: key(d), context: {} },
    ],
  },
  {
    what: 'decrypt with the bucket key other than through S3',
    requests: (d) => [{ action: 'kms:Decrypt', resource: key(d), context: {} }],
  },
  {
    what: 'read a staged rotation (only rotation may)',
    requests: () => [{ action: 's3:GetObject', resource: object(cycleKeys.pending('orders')), context: {} }],
    except: ['RotateBatch'],
  },
  {
    what: 'write or delete the owner mapping, or delete the status, reports or cycle files',
    requests: () => [
      { action: 's3:PutObject', resource: object(OWNERS_KEY), context: {} },
      ...['s3:DeleteObject', 's3:DeleteObjectVersion'].flatMap((action) =>
        [OWNERS_KEY, STATUS_KEY, cycleKeys.report('c1'), cycleKeys.apps('c1')].map((k) => ({
          action,
          resource: object(k),
          context: {},
        })),
      ),
    ],
  },
  {
    what: 'write the status document (only Reconcile, which rebuilds it)',
    requests: () => [{ action: 's3:PutObject', resource: object(STATUS_KEY), context: {} }],
    except: ['Reconcile'],
  },
  {
    what: "write any other object under an app's prefix",
    requests: () => [{ action: 's3:PutObject', resource: object('orders/notes.txt'), context: {} }],
  },
  {
    what: "publish an app's credentials (only rotation publishes)",
    requests: () => [{ action: 's3:PutObject', resource: object(credentialsKey('orders')), context: {} }],
    except: ['RotateBatch'],
  },
  {
    what: "delete an app's credentials (only Reconcile, every version, with the app's user)",
    requests: () => [
      { action: 's3:DeleteObjectVersion', resource: object(credentialsKey('orders')), context: {} },
    ],
    except: ['Reconcile'],
  },
  {
    what: "delete the current credentials.json without its versions, or rotation's anything but its stage",
    requests: () => [
      { action: 's3:DeleteObject', resource: object(credentialsKey('orders')), context: {} },
      { action: 's3:DeleteObjectVersion', resource: object(cycleKeys.pending('orders')), context: {} },
    ],
    appliesTo: ['RotateBatch', 'ListApps', 'Report', 'StartCycle'],
  },
  {
    what: "overwrite a cycle report or another step's cycle files (rotation writes only its outcomes)",
    requests: () => [
      { action: 's3:PutObject', resource: object(cycleKeys.report('c1')), context: {} },
      { action: 's3:PutObject', resource: object(cycleKeys.batch('c1', 0)), context: {} },
    ],
    appliesTo: ['RotateBatch', 'ListApps'],
  },
  {
    what: 'call IAM at all (the functions that list apps, start the cycle and write the report)',
    requests: (d) => [
      { action: 'iam:GetAccountAuthorizationDetails', resource: '*', context: {} },
      { action: 'iam:ListUsers', resource: '*', context: {} },
      { action: 'iam:ListAccessKeys', resource: user(d, '/mint/', 'orders'), context: { ...mintUserTags } },
      { action: 'iam:TagUser', resource: user(d, '/mint/', 'orders'), context: { ...mintUserTags } },
    ],
    appliesTo: ['ListApps', 'Report', 'StartCycle'],
  },
  {
    what: "touch any user pool but Mint's (users, passwords, clients or secrets)",
    requests: (d) =>
      onPool(otherPool(d), [
        'ListUsers',
        'AdminGetUser',
        'AdminCreateUser',
        'AdminSetUserPassword',
        'AdminUpdateUserAttributes',
        'AdminDeleteUser',
        'CreateUserPoolClient',
        'AddUserPoolClientSecret',
        'DeleteUserPoolClient',
      ]),
  },
  {
    what:
      "change Mint's user pool itself (settings, schema, domain, resource servers, an app client's settings), " +
      'sign in as a service user with admin credentials, or put a user in a group',
    requests: (d) =>
      onPool(mintPool(d), [
        'UpdateUserPool',
        'DeleteUserPool',
        'AddCustomAttributes',
        'SetUserPoolMfaConfig',
        'CreateUserPoolDomain',
        'DeleteUserPoolDomain',
        'CreateResourceServer',
        'UpdateResourceServer',
        'UpdateUserPoolClient',
        'AdminInitiateAuth',
        'AdminRespondToAuthChallenge',
        'AdminAddUserToGroup',
        'AdminSetUserSettings',
      ]),
  },
  {
    what: 'call Cognito at all (the functions that list apps, start the cycle and write the report)',
    requests: (d) =>
      onPool(mintPool(d), ['ListUsers', 'AdminGetUser', 'DescribeUserPool', 'AdminSetUserPassword']),
    appliesTo: ['ListApps', 'Report', 'StartCycle'],
  },
];
