import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  PutUserPermissionsBoundaryCommand,
  TagUserCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { IAM_DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../core/password';
import { type ServiceUser, TAG } from '../core/service-users';

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
  /** Creates the app's user with its `mint:app-id` tag and `tags` (set in the same call). */
  createServiceUser(appId: string, tags?: Record<string, string>): Promise<ServiceUser>;
  /** Deletes access keys, login profile, then the user. Missing pieces are not an error. */
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

export class IamIdentityStore implements IdentityStore {
  private cachedPolicy?: Promise<PasswordPolicy>;

  constructor(
    private readonly iam: IAMClient,
    private readonly options: IamIdentityStoreOptions,
  ) {}

  async listServiceUsers(): Promise<ServiceUser[]> {
    const users: ServiceUser[] = [];
    let marker: string | undefined;
    do {
      // 1,000 users per call (the default is 100): an idle cycle costs ceil(users / 1000) calls.
      const page = await this.iam.send(
        new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 1000, Marker: marker }),
      );
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
    return users;
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
    try {
      await this.iam.send(new DeleteLoginProfileCommand({ UserName: userName }));
    } catch (error) {
      if (!isError(error, 'NoSuchEntityException')) throw error;
    }
    try {
      await this.iam.send(new DeleteUserCommand({ UserName: userName }));
    } catch (error) {
      if (!isError(error, 'NoSuchEntityException')) throw error;
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
