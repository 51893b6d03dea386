import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  PutUserPermissionsBoundaryCommand,
  TagUserCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { UserNotDeletedError } from '../core/errors';
import { IAM_DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../core/password';
import { type ServiceUser, TAG } from '../core/service-users';
import { IAM_USERS_QUOTA, quotaNeedsLooking } from '../core/user-quota';

export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Where service users live. IAM today; an OAuth2 provider is planned, which is why this is an
 * interface and the rest of Mint never imports the IAM client.
 */
export interface IdentityStore {
  listServiceUsers(): Promise<ServiceUser[]>;
  /**
   * Users in the whole account and the account's user quota. After `listServiceUsers`, which sees every
   * user, this costs no call unless the account is near the default quota.
   */
  accountUsage(): Promise<{ users: number; quota: number }>;
  /** Creates the app's user with its `mint:app-id` tag and `tags` (set in the same call). */
  createServiceUser(appId: string, tags?: Record<string, string>): Promise<ServiceUser>;
  /**
   * Deletes access keys, login profile, then the user; when the store refuses because something else
   * hangs on the user, removes what it may and tries once more. Missing pieces are not an error; what it
   * may not remove is thrown as `UserNotDeletedError` naming it.
   */
  deleteServiceUser(userName: string): Promise<void>;
  setPermissionsBoundary(userName: string): Promise<void>;
  listAccessKeys(userName: string): Promise<string[]>;
  createAccessKey(userName: string): Promise<NewAccessKey>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<void>;
  setPassword(userName: string, password: string): Promise<void>;
  tagUser(userName: string, tags: Record<string, string>): Promise<void>;
  /** One call per user: used only to refresh the state of an app whose earlier attempt failed. */
  userTags(userName: string): Promise<Record<string, string>>;
  passwordPolicy(): Promise<PasswordPolicy>;
}

export interface IamIdentityStoreOptions {
  /** IAM path owning Mint's users, e.g. `/mint/`. Users elsewhere are never read, changed or deleted. */
  path: string;
  boundaryArn: string;
}

function isError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** Resolves when the call succeeds or finds its target already gone (NoSuchEntity). */
async function ignoreMissing(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!isError(error, 'NoSuchEntityException')) throw error;
  }
}

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
      if (!isError(error, 'DeleteConflictException')) throw error;
    }
    const groups = await this.removeAttachments(userName);
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
      if (!isError(error, 'DeleteConflictException')) throw error;
      throw new UserNotDeletedError(
        `IAM still refuses to delete user ${userName} after Mint removed its policies, MFA devices, signing ` +
          `certificates, SSH keys and service-specific credentials (${error instanceof Error ? error.message : String(error)}). ` +
          'Remove what the message names by hand; the next cycle deletes the user.',
      );
    }
  }

  /**
   * Removes what IAM may hang on a user besides keys and a password, every page of each: detaches managed
   * policies, deletes inline policies, deactivates MFA devices (a virtual device then stays in the account,
   * unassigned), deletes signing certificates, SSH public keys and service-specific credentials. Returns
   * the groups the user is in, which Mint may not change.
   */
  private async removeAttachments(userName: string): Promise<string[]> {
    const UserName = userName;
    const each = async <T>(items: Promise<(T | undefined)[]>, remove: (item: T) => Promise<unknown>) => {
      for (const item of await items) if (item !== undefined) await ignoreMissing(remove(item));
    };
    await each(
      this.pages(
        (Marker) => this.iam.send(new ListAttachedUserPoliciesCommand({ UserName, Marker })),
        (page) => (page.AttachedPolicies ?? []).map((p) => p.PolicyArn),
      ),
      (PolicyArn) => this.iam.send(new DetachUserPolicyCommand({ UserName, PolicyArn })),
    );
    await each(
      this.pages(
        (Marker) => this.iam.send(new ListUserPoliciesCommand({ UserName, Marker })),
        (page) => page.PolicyNames ?? [],
      ),
      (PolicyName) => this.iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName })),
    );
    await each(
      this.pages(
        (Marker) => this.iam.send(new ListMFADevicesCommand({ UserName, Marker })),
        (page) => (page.MFADevices ?? []).map((d) => d.SerialNumber),
      ),
      (SerialNumber) => this.iam.send(new DeactivateMFADeviceCommand({ UserName, SerialNumber })),
    );
    await each(
      this.pages(
        (Marker) => this.iam.send(new ListSigningCertificatesCommand({ UserName, Marker })),
        (page) => (page.Certificates ?? []).map((c) => c.CertificateId),
      ),
      (CertificateId) => this.iam.send(new DeleteSigningCertificateCommand({ UserName, CertificateId })),
    );
    await each(
      this.pages(
        (Marker) => this.iam.send(new ListSSHPublicKeysCommand({ UserName, Marker })),
        (page) => (page.SSHPublicKeys ?? []).map((k) => k.SSHPublicKeyId),
      ),
      (SSHPublicKeyId) => this.iam.send(new DeleteSSHPublicKeyCommand({ UserName, SSHPublicKeyId })),
    );
    await each(
      this.pages(
        (Marker) => this.iam.send(new ListServiceSpecificCredentialsCommand({ UserName, Marker })),
        (page) => (page.ServiceSpecificCredentials ?? []).map((c) => c.ServiceSpecificCredentialId),
      ),
      (ServiceSpecificCredentialId) =>
        this.iam.send(new DeleteServiceSpecificCredentialCommand({ UserName, ServiceSpecificCredentialId })),
    );
    const groups = await this.pages(
      (Marker) => this.iam.send(new ListGroupsForUserCommand({ UserName, Marker })),
      (page) => (page.Groups ?? []).map((g) => g.GroupName),
    );
    return groups.filter((name): name is string => name !== undefined);
  }

  /** Every item of an IAM list, page by page (`IsTruncated`/`Marker`). */
  private async pages<P extends { IsTruncated?: boolean; Marker?: string }, T>(
    send: (marker: string | undefined) => Promise<P>,
    items: (page: P) => T[],
  ): Promise<T[]> {
    const all: T[] = [];
    let marker: string | undefined;
    do {
      const page = await send(marker);
      all.push(...items(page));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return all;
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
      if (isError(error, 'NoSuchEntityException')) return [];
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
    try {
      await this.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
    } catch (error) {
      if (!isError(error, 'NoSuchEntityException')) throw error;
    }
  }

  async setPassword(userName: string, password: string): Promise<void> {
    try {
      await this.iam.send(
        new UpdateLoginProfileCommand({
          UserName: userName,
          Password: password,
          PasswordResetRequired: false,
        }),
      );
    } catch (error) {
      if (!isError(error, 'NoSuchEntityException')) throw error;
      await this.iam.send(
        new CreateLoginProfileCommand({
          UserName: userName,
          Password: password,
          PasswordResetRequired: false,
        }),
      );
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
    const tags: Record<string, string> = {};
    let marker: string | undefined;
    do {
      const page = await this.iam.send(new ListUserTagsCommand({ UserName: userName, Marker: marker }));
      for (const tag of page.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return tags;
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
      if (isError(error, 'NoSuchEntityException')) return IAM_DEFAULT_PASSWORD_POLICY;
      throw error;
    }
  }
}
