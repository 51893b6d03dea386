import type { CredentialsDocument } from '../core/credentials';
import type { PasswordPolicy } from '../core/password';
import type { ServiceUser } from '../core/service-users';

/**
 * An app's identity in the store: its service user and, where the store has them, its app client (the
 * Cognito store's client credentials belong to a client, not to the user).
 */
export interface CredentialHolder {
  userName: string;
  clientId?: string;
}

/** A client secret the store just created: the only moment its value is known. */
export interface NewClientSecret {
  /** The store's id of this secret (IAM: the access key id; Cognito: the ClientSecretId). */
  keyId: string;
  /** What the credentials document publishes as `client_id`. */
  clientId: string;
  clientSecret: string;
}

/** How full the store is, against the quota that would stop Mint creating a new app's identity. */
export interface StoreUsage {
  /** What counts against the quota: IAM users in the account, or app clients in the pool. */
  users: number;
  quota: number;
  /** Which quota, when it is not IAM's users per account. */
  resource?: 'app clients per user pool';
}

/**
 * Where service users live: the port. `IamIdentityStore` (an IAM user with a password and access keys)
 * and `CognitoIdentityStore` (a user pool user with a password, and an app client with rotating
 * secrets). Store-only notions (IAM paths, boundaries and groups; Cognito clients and attributes) stay
 * in the store; the services see users, secrets and marks.
 */
export interface IdentityStore {
  /** Every user Mint may manage, each with its marks (`tags`) and what needs repairing (`repairs`). */
  listServiceUsers(): Promise<ServiceUser[]>;
  /**
   * The store's fill against the quota that stops new apps (IAM: users per account; Cognito: app clients
   * per pool). After `listServiceUsers` this costs no call unless the store is near the quota.
   */
  accountUsage(): Promise<StoreUsage>;
  /** Creates the app's user (and client) with its `mint:app-id` mark and `tags`. */
  createServiceUser(appId: string, tags?: Record<string, string>): Promise<ServiceUser>;
  /**
   * Puts right what `ServiceUser.repairs` named (a missing boundary, group or client), returning the
   * user as it is now (a new client, and marks that make its first secret due).
   */
  repairServiceUser(user: ServiceUser): Promise<ServiceUser>;
  /**
   * Deletes the user and everything Mint gave it. Missing pieces are not an error; what it may not remove
   * is thrown as `UserNotDeletedError` naming it.
   */
  deleteServiceUser(holder: CredentialHolder): Promise<void>;
  /** Ids of the holder's client secrets; none when the holder is gone. */
  listClientSecrets(holder: CredentialHolder): Promise<string[]>;
  addClientSecret(holder: CredentialHolder): Promise<NewClientSecret>;
  deleteClientSecret(holder: CredentialHolder, keyId: string): Promise<void>;
  /**
   * The key id a published document names, when the document names it (IAM: its client_id is the
   * access key id). Undefined when the store needs Mint's own mark (`mint:key-id`) to know it.
   */
  keyIdOf(document: CredentialsDocument): string | undefined;
  /** The store refuses to delete a client's last secret (Cognito): an orphan goes only after a new one. */
  readonly keepsOneSecret: boolean;
  /**
   * Sets the user's password. `firstTime`: Mint has never set one (no rotation mark), so the store may
   * save a call it would otherwise need; either way the result is the same.
   */
  setPassword(userName: string, password: string, options?: { firstTime?: boolean }): Promise<void>;
  /** Records marks on the user; an empty value clears the mark. */
  tagUser(userName: string, tags: Record<string, string>): Promise<void>;
  /** One call per user: used only to refresh the state of an app whose earlier attempt failed. */
  userTags(userName: string): Promise<Record<string, string>>;
  passwordPolicy(): Promise<PasswordPolicy>;
}
