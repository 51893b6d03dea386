import * as IAM from '@aws-sdk/client-iam';
import { awsError, type Register } from './operations';

export interface FakeUser {
  userName: string;
  path: string;
  arn: string;
  boundary?: string;
  tags: Record<string, string>;
  keys: { id: string; secret: string }[];
  password?: string;
  /** What else IAM lets anyone hang on a user; DeleteUser refuses while any of it remains. */
  attachedPolicies: string[];
  inlinePolicies: string[];
  groups: string[];
  mfaDevices: string[];
  signingCertificates: string[];
  sshPublicKeys: string[];
  serviceCredentials: string[];
}

/**
 * DeleteUser's refusals, in the order they are checked: the IAM API reference lists each item that must
 * go before DeleteUser (password, access keys, signing certificates, SSH public keys, service-specific
 * credentials, MFA devices, inline policies, attached managed policies, group memberships), and IAM
 * answers `DeleteConflict` naming the first one left.
 */
const DELETE_CONFLICTS: [(user: FakeUser) => boolean, string][] = [
  [(u) => u.password !== undefined, 'must delete login profile first'],
  [(u) => u.keys.length > 0, 'must delete access keys first'],
  [(u) => u.signingCertificates.length > 0, 'must delete signing certificates first'],
  [(u) => u.sshPublicKeys.length > 0, 'must delete SSH public keys first'],
  [(u) => u.serviceCredentials.length > 0, 'must delete service specific credentials first'],
  [(u) => u.mfaDevices.length > 0, 'must delete MFA device first'],
  [(u) => u.inlinePolicies.length > 0, 'must delete policies first'],
  [(u) => u.attachedPolicies.length > 0, 'must detach all policies first'],
  [(u) => u.groups.length > 0, 'must remove users from group first'],
];

/**
 * The account's IAM users: creation within the users-per-account quota, listing a page at a time, tags,
 * boundaries, and DeleteUser's refusals while anything hangs on the user (see `DELETE_CONFLICTS`).
 * A user's credentials and attachments are served by `iam-credentials.ts` and `iam-attachments.ts`.
 */
export class IamUsers {
  readonly users = new Map<string, FakeUser>();
  /** IAM's users-per-account quota: CreateUser fails with LimitExceeded once the account holds this many. */
  usersQuota = 5000;
  /** Groups that exist in the account (AddUserToGroup refuses any other). */
  readonly groups = new Set<string>();

  constructor(readonly account: string) {}

  add(userName: string, tags: Record<string, string>, path = '/mint/', boundary?: string): FakeUser {
    const user: FakeUser = {
      userName,
      path,
      arn: `arn:aws:iam::${this.account}:user${path}${userName}`,
      boundary,
      tags,
      keys: [],
      attachedPolicies: [],
      inlinePolicies: [],
      groups: [],
      mfaDevices: [],
      signingCertificates: [],
      sshPublicKeys: [],
      serviceCredentials: [],
    };
    this.users.set(userName, user);
    return user;
  }

  /** The named user, or IAM's NoSuchEntity. */
  user(name: unknown): FakeUser {
    const user = this.users.get(String(name));
    if (!user) throw awsError('NoSuchEntityException', `The user with name ${String(name)} cannot be found.`);
    return user;
  }

  register(on: Register): void {
    on(IAM.GetAccountAuthorizationDetailsCommand, 'GetAccountAuthorizationDetails', (input) => {
      const all = [...this.users.values()];
      const max = Number(input.MaxItems ?? 100);
      const start = Number(input.Marker ?? 0);
      const page = all.slice(start, start + max);
      const more = start + max < all.length;
      return {
        UserDetailList: page.map((u) => ({
          UserName: u.userName,
          Path: u.path,
          Arn: u.arn,
          PermissionsBoundary: u.boundary
            ? { PermissionsBoundaryArn: u.boundary, PermissionsBoundaryType: 'Policy' }
            : undefined,
          Tags: Object.entries(u.tags).map(([Key, Value]) => ({ Key, Value })),
          GroupList: [...u.groups],
        })),
        IsTruncated: more,
        Marker: more ? String(start + max) : undefined,
      };
    });
    on(IAM.CreateUserCommand, 'CreateUser', (input) => {
      if (this.users.has(String(input.UserName)))
        throw awsError('EntityAlreadyExistsException', `User with name ${input.UserName} already exists.`);
      if (this.users.size >= this.usersQuota)
        throw awsError(
          'LimitExceededException',
          `Cannot exceed quota for UsersPerAccount: ${this.usersQuota}`,
        );
      const tags = Object.fromEntries(
        ((input.Tags ?? []) as IAM.Tag[]).map((t) => [t.Key ?? '', t.Value ?? '']),
      );
      const user = this.add(
        String(input.UserName),
        tags,
        String(input.Path),
        input.PermissionsBoundary as string,
      );
      return { User: { UserName: user.userName, Arn: user.arn, Path: user.path } };
    });
    on(IAM.DeleteUserCommand, 'DeleteUser', (input) => {
      const user = this.user(input.UserName);
      const conflict = DELETE_CONFLICTS.find(([holds]) => holds(user));
      if (conflict) throw awsError('DeleteConflictException', `Cannot delete entity, ${conflict[1]}.`);
      this.users.delete(user.userName);
      return {};
    });
    on(IAM.PutUserPermissionsBoundaryCommand, 'PutUserPermissionsBoundary', (input) => {
      this.user(input.UserName).boundary = String(input.PermissionsBoundary);
      return {};
    });
    on(IAM.TagUserCommand, 'TagUser', (input) => {
      const user = this.user(input.UserName);
      for (const tag of (input.Tags ?? []) as IAM.Tag[]) user.tags[tag.Key ?? ''] = tag.Value ?? '';
      return {};
    });
    on(IAM.ListUserTagsCommand, 'ListUserTags', (input) => ({
      Tags: Object.entries(this.user(input.UserName).tags).map(([Key, Value]) => ({ Key, Value })),
      IsTruncated: false,
    }));
    on(IAM.GetAccountSummaryCommand, 'GetAccountSummary', () => ({
      SummaryMap: { Users: this.users.size, UsersQuota: this.usersQuota },
    }));
    on(IAM.GetAccountPasswordPolicyCommand, 'GetAccountPasswordPolicy', () => {
      throw awsError(
        'NoSuchEntityException',
        'The Password Policy with domain name 111111111111 cannot be found.',
      );
    });
  }
}
