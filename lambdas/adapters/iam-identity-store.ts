import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  PutUserPermissionsBoundaryCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import type { CredentialsDocument } from '../core/credentials';
import { UserNotDeletedError } from '../core/errors';
import { IAM_DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../core/password';
import { type ServiceUser, TAG } from '../core/service-users';
import { IAM_USERS_QUOTA, quotaNeedsLooking } from '../core/user-quota';
import { allPages, ignoreMissing, isIamError } from './iam-calls';
import { removeUserAttachments } from './iam-user-attachments';
import type { CredentialHolder, IdentityStore, NewClientSecret, StoreUsage } from './identity-store';
import { readOnce } from './read-once';

export interface IamIdentityStoreOptions {
  /** IAM path owning Mint's users, e.g. `/mint/`. Users elsewhere are never read, changed or deleted. */
  path: string;
  boundaryArn: string;
  /**
   * The one IAM group every service user joins: its policies (within the boundary) are what an app can
   * do with its access key. Mint adds and removes its own users only, and only to this group.
   */
  group?: string;
}

/**
 * The identity store on AWS IAM: service users directly under one path, each with a console password
 * and access keys (the published client_id is the access key id, the client_secret its secret).
 */
export class IamIdentityStore implements IdentityStore {
  readonly keepsOneSecret = false;
  /** Every user the latest listing saw, in any path: what counts against the account's quota. */
  private accountUsersSeen?: number;

  constructor(
    private readonly iam: IAMClient,
    private readonly options: IamIdentityStoreOptions,
  ) {}

  async listServiceUsers(): Promise<ServiceUser[]> {
    const users: ServiceUser[] = [];
    let seen = 0;
    let marker: string | undefined;
    do {
      // 1,000 users per call (the default is 100): an idle cycle costs ceil(users / 1000) calls.
      const page = await this.iam.send(
        new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 1000, Marker: marker }),
      );
      seen += page.UserDetailList?.length ?? 0;
      for (const detail of page.UserDetailList ?? []) {
        if (!detail.UserName || !detail.Arn || detail.Path !== this.options.path) continue;
        const repairs = this.repairsOf(
          detail.PermissionsBoundary?.PermissionsBoundaryArn,
          detail.GroupList ?? [],
        );
        users.push({
          userName: detail.UserName,
          arn: detail.Arn,
          tags: Object.fromEntries((detail.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
          ...(repairs.length > 0 ? { repairs } : {}),
        });
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    this.accountUsersSeen = seen;
    return users;
  }

  /** What a listed user lacks: the boundary Mint gives every user, and membership of the group. */
  private repairsOf(boundaryArn: string | undefined, groups: readonly string[]): string[] {
    const repairs: string[] = [];
    if (boundaryArn !== this.options.boundaryArn) repairs.push('permissions boundary');
    if (this.options.group && !groups.includes(this.options.group))
      repairs.push(`group ${this.options.group}`);
    return repairs;
  }

  async accountUsage(): Promise<StoreUsage> {
    const seen = this.accountUsersSeen;
    if (seen !== undefined && !quotaNeedsLooking(seen)) return { users: seen, quota: IAM_USERS_QUOTA };
    // Near the default quota (or never listed): the account's real count and quota, in one call.
    const { SummaryMap: summary = {} } = await this.iam.send(new GetAccountSummaryCommand({}));
    return { users: summary.Users ?? seen ?? 0, quota: summary.UsersQuota ?? IAM_USERS_QUOTA };
  }

  async createServiceUser(appId: string, extraTags: Record<string, string> = {}): Promise<ServiceUser> {
    const tags = { ...extraTags, [TAG.appId]: appId };
    const result = await this.iam.send(
      new CreateUserCommand({
        UserName: appId,
        Path: this.options.path,
        PermissionsBoundary: this.options.boundaryArn,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    const user: ServiceUser = { userName: appId, arn: result.User?.Arn ?? '', tags };
    if (this.options.group) {
      // A user created but not yet in the group is listed with the repair next time, if this fails.
      await this.iam.send(new AddUserToGroupCommand({ UserName: appId, GroupName: this.options.group }));
    }
    return user;
  }

  async repairServiceUser(user: ServiceUser): Promise<ServiceUser> {
    const repairs = user.repairs ?? [];
    if (repairs.includes('permissions boundary')) await this.setPermissionsBoundary(user.userName);
    if (this.options.group && repairs.includes(`group ${this.options.group}`))
      await this.iam.send(
        new AddUserToGroupCommand({ UserName: user.userName, GroupName: this.options.group }),
      );
    const { repairs: _done, ...repaired } = user;
    return repaired;
  }

  async deleteServiceUser({ userName }: CredentialHolder): Promise<void> {
    const holder = { userName };
    for (const accessKeyId of await this.listClientSecrets(holder)) {
      await this.deleteClientSecret(holder, accessKeyId);
    }
    if (this.options.group) {
      // Mint's own membership goes first: IAM refuses to delete a user that is in a group.
      await ignoreMissing(
        this.iam.send(new RemoveUserFromGroupCommand({ UserName: userName, GroupName: this.options.group })),
      );
    }
    await ignoreMissing(this.iam.send(new DeleteLoginProfileCommand({ UserName: userName })));
    // Mint's own users carry only keys and a password, so the first DeleteUser normally succeeds and a
    // deletion costs no listing of what else IAM can hang on a user. Someone may have added more by hand:
    // IAM then answers DeleteConflict, and everything Mint may remove goes before one more attempt.
    try {
      await ignoreMissing(this.iam.send(new DeleteUserCommand({ UserName: userName })));
      return;
    } catch (error) {
      if (!isIamError(error, 'DeleteConflictException')) throw error;
    }
    const groups = await removeUserAttachments(this.iam, userName);
    if (groups.length > 0) {
      throw new UserNotDeletedError(
        `IAM refuses to delete user ${userName} (DeleteConflict): it is a member of group(s) ${groups.join(', ')}. ` +
          "Mint never changes groups (IAM authorizes that on the group, so it cannot be limited to Mint's users). " +
          `Take it out (${groups.map((group) => `aws iam remove-user-from-group --user-name ${userName} --group-name ${group}`).join('; ')}); ` +
          'the next cycle deletes the user.',
      );
    }
    try {
      await ignoreMissing(this.iam.send(new DeleteUserCommand({ UserName: userName })));
    } catch (error) {
      if (!isIamError(error, 'DeleteConflictException')) throw error;
      throw new UserNotDeletedError(
        `IAM still refuses to delete user ${userName} after Mint removed its policies, MFA devices, signing ` +
          `certificates, SSH keys and service-specific credentials (${error instanceof Error ? error.message : String(error)}). ` +
          'Remove what the message names by hand; the next cycle deletes the user.',
      );
    }
  }

  private async setPermissionsBoundary(userName: string): Promise<void> {
    await this.iam.send(
      new PutUserPermissionsBoundaryCommand({
        UserName: userName,
        PermissionsBoundary: this.options.boundaryArn,
      }),
    );
  }

  async listClientSecrets({ userName }: CredentialHolder): Promise<string[]> {
    try {
      const result = await this.iam.send(new ListAccessKeysCommand({ UserName: userName }));
      return (result.AccessKeyMetadata ?? []).flatMap((key) => (key.AccessKeyId ? [key.AccessKeyId] : []));
    } catch (error) {
      if (isIamError(error, 'NoSuchEntityException')) return [];
      throw error;
    }
  }

  async addClientSecret({ userName }: CredentialHolder): Promise<NewClientSecret> {
    const result = await this.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const accessKeyId = result.AccessKey?.AccessKeyId;
    const secretAccessKey = result.AccessKey?.SecretAccessKey;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error(`IAM CreateAccessKey for ${userName} returned no key`);
    }
    return { keyId: accessKeyId, clientId: accessKeyId, clientSecret: secretAccessKey };
  }

  async deleteClientSecret({ userName }: CredentialHolder, accessKeyId: string): Promise<void> {
    await ignoreMissing(
      this.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })),
    );
  }

  keyIdOf(document: CredentialsDocument): string {
    return document.client_id;
  }

  async setPassword(
    userName: string,
    password: string,
    options: { firstTime?: boolean } = {},
  ): Promise<void> {
    const profile = { UserName: userName, Password: password, PasswordResetRequired: false };
    if (options.firstTime) {
      try {
        await this.iam.send(new CreateLoginProfileCommand(profile));
        return;
      } catch (error) {
        // A profile made outside Mint, or by an attempt that died before recording it: update it.
        if (!isIamError(error, 'EntityAlreadyExistsException')) throw error;
      }
    }
    try {
      await this.iam.send(new UpdateLoginProfileCommand(profile));
    } catch (error) {
      if (!isIamError(error, 'NoSuchEntityException')) throw error;
      await this.iam.send(new CreateLoginProfileCommand(profile));
    }
  }

  async tagUser(userName: string, tags: Record<string, string>): Promise<void> {
    await this.iam.send(
      new TagUserCommand({
        UserName: userName,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  }

  async userTags(userName: string): Promise<Record<string, string>> {
    const tags = await allPages(
      (marker) => this.iam.send(new ListUserTagsCommand({ UserName: userName, Marker: marker })),
      (page) => page.Tags ?? [],
    );
    return Object.fromEntries(tags.flatMap((tag) => (tag.Key ? [[tag.Key, tag.Value ?? '']] : [])));
  }

  /** The account's policy changes rarely; one read per Lambda container is enough. */
  readonly passwordPolicy = readOnce(() => this.readPasswordPolicy());

  private async readPasswordPolicy(): Promise<PasswordPolicy> {
    try {
      const { PasswordPolicy: policy } = await this.iam.send(new GetAccountPasswordPolicyCommand({}));
      return {
        minimumLength: policy?.MinimumPasswordLength ?? IAM_DEFAULT_PASSWORD_POLICY.minimumLength,
        requireSymbols: policy?.RequireSymbols ?? false,
        requireNumbers: policy?.RequireNumbers ?? false,
        requireUppercase: policy?.RequireUppercaseCharacters ?? false,
        requireLowercase: policy?.RequireLowercaseCharacters ?? false,
      };
    } catch (error) {
      if (isIamError(error, 'NoSuchEntityException')) return IAM_DEFAULT_PASSWORD_POLICY;
      throw error;
    }
  }
}
