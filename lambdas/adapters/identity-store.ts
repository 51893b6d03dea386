import type { PasswordPolicy } from '../core/password';
import type { ServiceUser } from '../core/service-users';

export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Where service users live: the port. IAM (`iam-identity-store.ts`) today; an OAuth2 provider is planned,
 * which is why this is an interface and the rest of Mint never imports the IAM client.
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
  /**
   * Sets the user's password. `firstTime`: Mint has never set one (no rotation mark), so the store tries
   * creating it first and saves the refused update a new user would cost; either way the result is the same.
   */
  setPassword(userName: string, password: string, options?: { firstTime?: boolean }): Promise<void>;
  tagUser(userName: string, tags: Record<string, string>): Promise<void>;
  /** One call per user: used only to refresh the state of an app whose earlier attempt failed. */
  userTags(userName: string): Promise<Record<string, string>>;
  passwordPolicy(): Promise<PasswordPolicy>;
}
