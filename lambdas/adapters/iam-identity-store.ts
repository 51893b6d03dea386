import {
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
  TagUserCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { UserNotDeletedError } from '../core/errors';
import { IAM_DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../core/password';
import { type ServiceUser, TAG } from '../core/service-users';
import { IAM_USERS_QUOTA, quotaNeedsLooking } from '../core/user-quota';
import { allPages, ignoreMissing, isIamError } from './iam-calls';
import { removeUserAttachments } from './iam-user-attachments';
import type { IdentityStore, NewAccessKey } from './identity-store';

export interface IamIdentityStoreOptions {
  /** IAM path owning Mint's users, e.g. `/mint/`. Users elsewhere are never read, changed or deleted. */
  path: string;
  boundaryArn: string;
}

/** The identity store on AWS IAM: service users directly under one path, with their keys and password. */
export class IamIdentityStore implements IdentityStore {
  private cachedPolicy?: Promise<PasswordPolicy>;
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
        users.push({
          userName: detail.UserName,
          arn: detail.Arn,
          path: detail.Path,
          boundaryArn: detail.PermissionsBoundary?.PermissionsBoundaryArn,
          tags: Object.fromEntries((detail.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
        });
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    this.accountUsersSeen = seen;
    return users;
  }

  async accountUsage(): Promise<{ users: number; quota: number }> {
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
    return {
      userName: appId,
      arn: result.User?.Arn ?? '',
      path: this.options.path,
      boundaryArn: this.options.boundaryArn,
      tags,
    };
  }

  async deleteServiceUser(userName: string): Promise<void> {
    for (const accessKeyId of await this.listAccessKeys(userName)) {
      await this.deleteAccessKey(userName, accessKeyId);
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

  async setPermissionsBoundary(userName: string): Promise<void> {
    await this.iam.send(
      new PutUserPermissionsBoundaryCommand({
        UserName: userName,
        PermissionsBoundary: this.options.boundaryArn,
      }),
    );
  }

  async listAccessKeys(userName: string): Promise<string[]> {
    try {
      const result = await this.iam.send(new ListAccessKeysCommand({ UserName: userName }));
      return (result.AccessKeyMetadata ?? []).flatMap((key) => (key.AccessKeyId ? [key.AccessKeyId] : []));
    } catch (error) {
      if (isIamError(error, 'NoSuchEntityException')) return [];
      throw error;
    }
  }

  async createAccessKey(userName: string): Promise<NewAccessKey> {
    const result = await this.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const accessKeyId = result.AccessKey?.AccessKeyId;
    const secretAccessKey = result.AccessKey?.SecretAccessKey;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error(`IAM CreateAccessKey for ${userName} returned no key`);
    }
    return { accessKeyId, secretAccessKey };
  }

  async deleteAccessKey(userName: string, accessKeyId: string): Promise<void> {
    await ignoreMissing(
      this.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })),
    );
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

  passwordPolicy(): Promise<PasswordPolicy> {
    // The account policy changes rarely; one read per Lambda container is enough.
    this.cachedPolicy ??= this.readPasswordPolicy().catch((error: unknown) => {
      this.cachedPolicy = undefined;
      throw error;
    });
    return this.cachedPolicy;
  }

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
