import { randomBytes } from 'node:crypto';
import type { CredentialsDocument } from '../../core/credentials';
import { UserNotDeletedError } from '../../core/errors';
import { IAM_DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../../core/password';
import { type ServiceUser, TAG } from '../../core/service-users';
import { IAM_USERS_QUOTA, quotaNeedsLooking } from '../../core/user-quota';
import type { CredentialHolder, IdentityStore, NewClientSecret, StoreUsage } from '../identity-store';
import { refusal } from './refusal';

/** A user as the in-memory store keeps it; tests may read and change it (`user(name)`). */
export interface InMemoryUser {
  userName: string;
  arn: string;
  path: string;
  boundaryArn?: string;
  tags: Record<string, string>;
  keys: NewClientSecret[];
  password?: string;
  /** Groups the user is in: what IAM refuses to delete a user for; Mint changes only `group`. */
  groups: string[];
}

export interface InMemoryIdentityStoreOptions {
  path?: string;
  boundaryArn?: string;
  account?: string;
  /** The account's users quota: creating a user fails with LimitExceeded once the account holds this many. */
  usersQuota?: number;
  /** The account's password policy; IAM's default when the account has none. */
  passwordPolicy?: PasswordPolicy;
  /** The service user group Mint adds each user to. */
  group?: string;
  /**
   * Behave as a store whose secrets belong to an app client (Cognito): every secret shares the
   * client's id, the last one may not be deleted, and a document does not name its key.
   */
  clientSecrets?: boolean;
}

/** IAM's limit on access keys per user. */
const KEYS_PER_USER = 2;

/**
 * The identity store in memory, refusing what IAM refuses with the name the SDK gives it: a third access
 * key (LimitExceededException), a user beyond the quota (LimitExceededException), an existing name
 * (EntityAlreadyExistsException), a missing user (NoSuchEntityException). Where `IamIdentityStore`
 * tolerates a missing piece (listing or deleting keys, deleting a user), so does this. `calls` names
 * every port call.
 */
export class InMemoryIdentityStore implements IdentityStore {
  readonly calls: string[] = [];
  readonly path: string;
  readonly boundaryArn: string;
  readonly keepsOneSecret: boolean;
  private readonly group?: string;
  usersQuota: number;
  private readonly account: string;
  private readonly policy: PasswordPolicy;
  private readonly users = new Map<string, InMemoryUser>();
  private keySeq = 0;
  /** Users in every path at the latest listing: as IamIdentityStore, accountUsage answers from it. */
  private accountUsersSeen?: number;

  constructor(options: InMemoryIdentityStoreOptions = {}) {
    this.path = options.path ?? '/mint/';
    this.account = options.account ?? '111111111111';
    this.boundaryArn = options.boundaryArn ?? `arn:aws:iam::${this.account}:policy/mint-deny-all`;
    this.usersQuota = options.usersQuota ?? IAM_USERS_QUOTA;
    this.policy = options.passwordPolicy ?? IAM_DEFAULT_PASSWORD_POLICY;
    this.group = options.group;
    this.keepsOneSecret = options.clientSecrets ?? false;
  }

  /** Arranges a user as if created elsewhere (any path, no quota check, no call recorded). */
  addUser(userName: string, tags: Record<string, string> = {}, path = this.path): InMemoryUser {
    const user: InMemoryUser = {
      userName,
      arn: `arn:aws:iam::${this.account}:user${path}${userName}`,
      path,
      tags: { ...tags },
      keys: [],
      groups: [],
    };
    this.users.set(userName, user);
    return user;
  }

  /** The stored user itself, for arranging and assertions; undefined when it does not exist. */
  user(userName: string): InMemoryUser | undefined {
    return this.users.get(userName);
  }

  async listServiceUsers(): Promise<ServiceUser[]> {
    this.calls.push('listServiceUsers');
    this.accountUsersSeen = this.users.size;
    return [...this.users.values()]
      .filter((user) => user.path === this.path)
      .map((user) => {
        const repairs = this.repairsOf(user);
        return {
          userName: user.userName,
          arn: user.arn,
          ...this.clientOf(user),
          tags: { ...user.tags },
          ...(repairs.length > 0 ? { repairs } : {}),
        };
      });
  }

  private repairsOf(user: InMemoryUser): string[] {
    const repairs: string[] = [];
    if (user.boundaryArn !== this.boundaryArn) repairs.push('permissions boundary');
    if (this.group && !user.groups.includes(this.group)) repairs.push(`group ${this.group}`);
    return repairs;
  }

  private clientOf(user: InMemoryUser): { clientId?: string } {
    return this.keepsOneSecret ? { clientId: `client-${user.userName}` } : {};
  }

  async accountUsage(): Promise<StoreUsage> {
    this.calls.push('accountUsage');
    const seen = this.accountUsersSeen;
    if (seen !== undefined && !quotaNeedsLooking(seen)) return { users: seen, quota: IAM_USERS_QUOTA };
    return { users: this.users.size, quota: this.usersQuota };
  }

  async createServiceUser(appId: string, extraTags: Record<string, string> = {}): Promise<ServiceUser> {
    this.calls.push('createServiceUser');
    if (this.users.has(appId))
      throw refusal('EntityAlreadyExistsException', `User with name ${appId} already exists.`);
    if (this.users.size >= this.usersQuota)
      throw refusal('LimitExceededException', `Cannot exceed quota for UsersPerAccount: ${this.usersQuota}`);
    const tags = { ...extraTags, [TAG.appId]: appId };
    const user = this.addUser(appId, tags);
    user.boundaryArn = this.boundaryArn;
    if (this.group) user.groups.push(this.group);
    return { userName: appId, arn: user.arn, ...this.clientOf(user), tags: { ...tags } };
  }

  async repairServiceUser(listed: ServiceUser): Promise<ServiceUser> {
    this.calls.push('repairServiceUser');
    const user = this.existing(listed.userName);
    user.boundaryArn = this.boundaryArn;
    if (this.group && !user.groups.includes(this.group)) user.groups.push(this.group);
    const { repairs: _done, ...repaired } = listed;
    return repaired;
  }

  async deleteServiceUser({ userName }: CredentialHolder): Promise<void> {
    this.calls.push('deleteServiceUser');
    const user = this.users.get(userName);
    if (!user) return;
    user.keys = [];
    user.password = undefined;
    user.groups = user.groups.filter((group) => group !== this.group);
    if (user.groups.length > 0) {
      throw new UserNotDeletedError(
        `IAM refuses to delete user ${userName} (DeleteConflict): it is a member of group(s) ${user.groups.join(', ')}. ` +
          'Mint never changes groups; take it out, and the next cycle deletes the user.',
      );
    }
    this.users.delete(userName);
  }

  async listClientSecrets({ userName }: CredentialHolder): Promise<string[]> {
    this.calls.push('listClientSecrets');
    return (this.users.get(userName)?.keys ?? []).map((key) => key.keyId);
  }

  async addClientSecret({ userName }: CredentialHolder): Promise<NewClientSecret> {
    this.calls.push('addClientSecret');
    const user = this.existing(userName);
    if (user.keys.length >= KEYS_PER_USER)
      throw refusal('LimitExceededException', `Cannot exceed quota for AccessKeysPerUser: ${KEYS_PER_USER}`);
    const keyId = `AKIAMEMORY${String(++this.keySeq).padStart(10, '0')}`;
    const key = {
      keyId,
      clientId: this.clientOf(user).clientId ?? keyId,
      clientSecret: randomBytes(30).toString('base64url'),
    };
    user.keys.push(key);
    return { ...key };
  }

  async deleteClientSecret({ userName }: CredentialHolder, keyId: string): Promise<void> {
    this.calls.push('deleteClientSecret');
    const user = this.users.get(userName);
    if (!user) return;
    if (this.keepsOneSecret && user.keys.length === 1 && user.keys[0]?.keyId === keyId)
      throw refusal(
        'InvalidParameterException',
        'You cannot delete the last remaining secret for an app client.',
      );
    user.keys = user.keys.filter((key) => key.keyId !== keyId);
  }

  keyIdOf(document: CredentialsDocument): string | undefined {
    return this.keepsOneSecret ? undefined : document.client_id;
  }

  async setPassword(userName: string, password: string): Promise<void> {
    this.calls.push('setPassword');
    this.existing(userName).password = password;
  }

  async tagUser(userName: string, tags: Record<string, string>): Promise<void> {
    this.calls.push('tagUser');
    Object.assign(this.existing(userName).tags, tags);
  }

  async userTags(userName: string): Promise<Record<string, string>> {
    this.calls.push('userTags');
    return { ...this.existing(userName).tags };
  }

  async passwordPolicy(): Promise<PasswordPolicy> {
    this.calls.push('passwordPolicy');
    return { ...this.policy };
  }

  private existing(userName: string): InMemoryUser {
    const user = this.users.get(userName);
    if (!user) throw refusal('NoSuchEntityException', `The user with name ${userName} cannot be found.`);
    return user;
  }
}
