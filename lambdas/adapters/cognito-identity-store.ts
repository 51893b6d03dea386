import {
  AddUserPoolClientSecretCommand,
  AdminCreateUserCommand,
  AdminDeleteUserAttributesCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  type AttributeType,
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  DeleteUserPoolClientCommand,
  DeleteUserPoolClientSecretCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientSecretsCommand,
  ListUserPoolClientsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  COGNITO_CLIENT_ID_MARK,
  COGNITO_MARK_ATTRIBUTES,
  customAttributeName,
} from '../contracts/cognito-attributes';
import { isAppId } from '../core/apps';
import type { CredentialsDocument } from '../core/credentials';
import type { PasswordPolicy } from '../core/password';
import { type ServiceUser, TAG } from '../core/service-users';
import { COGNITO_APP_CLIENTS_QUOTA } from '../core/user-quota';
import type { CredentialHolder, IdentityStore, NewClientSecret, StoreUsage } from './identity-store';
import { readOnce } from './read-once';

export interface CognitoIdentityStoreOptions {
  userPoolId: string;
  /** The scopes each app client may ask for with the client_credentials grant. */
  scopes: readonly string[];
  /** The pool's app clients quota, as configured (Cognito's API does not tell it); default 1,000. */
  clientsQuota?: number;
}

/** Cognito's largest page for ListUsers and ListUserPoolClients. */
const PAGE = 60;
/** A repair `ServiceUser.repairs` names: the user has no app client Mint knows of. */
export const MISSING_CLIENT = 'app client';

const attributeOf = new Map<string, string>(
  Object.entries(COGNITO_MARK_ATTRIBUTES).map(([mark, name]) => [mark, customAttributeName(name)]),
);
const markOf = new Map<string, string>([...attributeOf].map(([mark, attribute]) => [attribute, mark]));

function isCognitoError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

async function ignoring<T>(call: Promise<T>, ...names: string[]): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (names.some((name) => isCognitoError(error, name))) return undefined;
    throw error;
  }
}

/**
 * The identity store on an Amazon Cognito user pool. Each app has a user (named by its app id, with a
 * password, signing in with the user-password flow) and a confidential app client of the same name
 * whose secrets rotate with overlap (Cognito keeps two per client, as IAM keeps two access keys).
 * Mint's marks are custom attributes (`COGNITO_MARK_ATTRIBUTES`), so one listing of users and one of
 * clients (60 per call each) tell every app's state: an idle cycle costs 2 × ⌈apps / 60⌉ calls.
 */
export class CognitoIdentityStore implements IdentityStore {
  readonly keepsOneSecret = true;
  /**
   * Clients no user records, by name, at the latest listing: what an interrupted creation left, which
   * the next attempt adopts instead of creating a duplicate.
   */
  private adoptable = new Map<string, string>();
  private clientsSeen?: number;

  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly options: CognitoIdentityStoreOptions,
  ) {}

  private get pool() {
    return this.options.userPoolId;
  }

  async listServiceUsers(): Promise<ServiceUser[]> {
    const clients = await this.listClients();
    const clientIds = new Set(clients.map((client) => client.id));
    const users: ServiceUser[] = [];
    let token: string | undefined;
    do {
      const page = await this.cognito.send(
        new ListUsersCommand({ UserPoolId: this.pool, Limit: PAGE, PaginationToken: token }),
      );
      for (const user of page.Users ?? []) {
        if (!user.Username) continue;
        const marks = marksOf(user.Attributes ?? []);
        const clientId = marks[COGNITO_CLIENT_ID_MARK];
        delete marks[COGNITO_CLIENT_ID_MARK];
        const known = clientId !== undefined && clientIds.has(clientId);
        users.push({
          userName: user.Username,
          arn: this.arnOf(user.Username),
          ...(known ? { clientId } : {}),
          tags: marks,
          ...(known ? {} : { repairs: [MISSING_CLIENT] }),
        });
      }
      token = page.PaginationToken;
    } while (token);
    // A client may be adopted by name only when no user records it: an earlier attempt's, never another app's.
    const recorded = new Set(users.flatMap((user) => (user.clientId ? [user.clientId] : [])));
    this.adoptable = new Map();
    for (const client of clients)
      if (!recorded.has(client.id) && !this.adoptable.has(client.name))
        this.adoptable.set(client.name, client.id);
    return users;
  }

  private async listClients(): Promise<{ id: string; name: string }[]> {
    const clients: { id: string; name: string }[] = [];
    let token: string | undefined;
    do {
      const page = await this.cognito.send(
        new ListUserPoolClientsCommand({ UserPoolId: this.pool, MaxResults: PAGE, NextToken: token }),
      );
      for (const client of page.UserPoolClients ?? [])
        if (client.ClientId) clients.push({ id: client.ClientId, name: client.ClientName ?? '' });
      token = page.NextToken;
    } while (token);
    this.clientsSeen = clients.length;
    return clients;
  }

  async accountUsage(): Promise<StoreUsage> {
    if (this.clientsSeen === undefined) await this.listClients();
    // Cognito's API does not tell a pool's quota (Service Quotas does, with another grant): Mint judges
    // against mint:cognitoAppClientsQuota, the default unless raised. README, "Choosing an identity store".
    return {
      users: this.clientsSeen ?? 0,
      quota: this.options.clientsQuota ?? COGNITO_APP_CLIENTS_QUOTA,
      resource: 'app clients per user pool',
    };
  }

  /**
   * The client first, then the user recording it (two writes): at the pool's client quota no user is
   * left behind without a client, and Reconcile reports the quota. A user of that name already in the
   * pool is finished only if Mint created it (an interrupted attempt); anyone else's is refused.
   */
  async createServiceUser(appId: string, extraTags: Record<string, string> = {}): Promise<ServiceUser> {
    const tags = { ...extraTags, [TAG.appId]: appId };
    const { clientId, adopted } = await this.clientFor(appId);
    const marks = { ...tags, [COGNITO_CLIENT_ID_MARK]: clientId };
    try {
      await this.cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: this.pool,
          Username: appId,
          // Service users get no invitation: Mint sets a permanent password at its first rotation.
          MessageAction: 'SUPPRESS',
          UserAttributes: toAttributes(marks),
        }),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (isCognitoError(error, 'InvalidParameterException') && /schema/i.test(message))
        throw new Error(
          `user pool ${this.pool} does not declare Mint's custom attributes (${message}); ` +
            'add them once with the command in the README ("An existing user pool"), then the next cycle creates the user',
        );
      if (!isCognitoError(error, 'UsernameExistsException')) throw error;
      const existing = await this.allMarks(appId);
      if (existing[TAG.appId] !== appId)
        throw new Error(
          `user pool ${this.pool} already has a user named ${appId} that Mint did not create (no custom:mint_app ${appId}); ` +
            'Mint leaves it alone: delete or rename it, or use a pool of its own for Mint',
        );
      const recorded = existing[COGNITO_CLIENT_ID_MARK];
      if (recorded) {
        // Created meanwhile, with its client: keep that one (the listing repairs it if it is gone).
        if (!adopted) await this.deleteClient(clientId);
        const { [COGNITO_CLIENT_ID_MARK]: _client, ...current } = existing;
        return { userName: appId, arn: this.arnOf(appId), clientId: recorded, tags: current };
      }
      await this.tagUser(appId, marks);
    }
    return { userName: appId, arn: this.arnOf(appId), clientId, tags };
  }

  private arnOf(userName: string): string {
    return `cognito-idp:${this.pool}:user/${userName}`;
  }

  /** The client an interrupted creation left (adopted), or a new one. */
  private async clientFor(appId: string): Promise<{ clientId: string; adopted: boolean }> {
    const left = this.adoptable.get(appId);
    this.adoptable.delete(appId);
    return left
      ? { clientId: left, adopted: true }
      : { clientId: await this.createClient(appId), adopted: false };
  }

  private async deleteClient(clientId: string): Promise<void> {
    await ignoring(
      this.cognito.send(new DeleteUserPoolClientCommand({ UserPoolId: this.pool, ClientId: clientId })),
      'ResourceNotFoundException',
    );
  }

  /**
   * Gives a user whose client is gone a client: one an interrupted attempt left, or a new one, and
   * records it. The key marks of the lost client are cleared first, so that its first secret is due at
   * once, and so that a failure between the two writes leaves a user that is repaired again.
   */
  private async attachClient(appId: string, tags: Record<string, string>): Promise<Record<string, string>> {
    const { clientId } = await this.clientFor(appId);
    const cleared: Record<string, string> = {};
    // Only marks the user carries: clearing a missing one would be a write for nothing.
    for (const mark of [TAG.keyId, TAG.keyRotatedAt, TAG.previousKeyId]) if (tags[mark]) cleared[mark] = '';
    if (Object.keys(cleared).length > 0) await this.tagUser(appId, cleared);
    await this.tagUser(appId, { [COGNITO_CLIENT_ID_MARK]: clientId });
    return { ...cleared, [COGNITO_CLIENT_ID_MARK]: clientId };
  }

  private async createClient(appId: string): Promise<string> {
    const result = await this.cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: this.pool,
        ClientName: appId,
        GenerateSecret: true,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: [...this.options.scopes],
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        // No WriteAttributes: a client that names none may write only the pool's standard attributes
        // (CreateUserPoolClient, WriteAttributes), so an app signed in as its user cannot change Mint's marks.
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
      }),
    );
    const clientId = result.UserPoolClient?.ClientId;
    if (!clientId) throw new Error(`Cognito CreateUserPoolClient for ${appId} returned no client id`);
    return clientId;
  }

  async repairServiceUser(user: ServiceUser): Promise<ServiceUser> {
    const { repairs: _done, ...repaired } = user;
    if (!user.repairs?.includes(MISSING_CLIENT)) return repaired;
    const { [COGNITO_CLIENT_ID_MARK]: clientId, ...marks } = await this.attachClient(
      user.userName,
      user.tags,
    );
    const tags = { ...user.tags };
    for (const mark of Object.keys(marks)) delete tags[mark];
    return { ...repaired, ...(clientId ? { clientId } : {}), tags };
  }

  async deleteServiceUser({ userName, clientId }: CredentialHolder): Promise<void> {
    if (clientId) await this.deleteClient(clientId);
    await ignoring(
      this.cognito.send(new AdminDeleteUserCommand({ UserPoolId: this.pool, Username: userName })),
      'UserNotFoundException',
    );
  }

  async listClientSecrets({ clientId }: CredentialHolder): Promise<string[]> {
    if (!clientId) return [];
    const result = await ignoring(
      this.cognito.send(new ListUserPoolClientSecretsCommand({ UserPoolId: this.pool, ClientId: clientId })),
      'ResourceNotFoundException',
    );
    return (result?.ClientSecrets ?? []).flatMap((secret) =>
      secret.ClientSecretId ? [secret.ClientSecretId] : [],
    );
  }

  async addClientSecret({ userName, clientId }: CredentialHolder): Promise<NewClientSecret> {
    if (!clientId)
      throw new Error(`user ${userName} has no app client in pool ${this.pool}; the next cycle repairs it`);
    const result = await this.cognito.send(
      new AddUserPoolClientSecretCommand({ UserPoolId: this.pool, ClientId: clientId }),
    );
    const keyId = result.ClientSecretDescriptor?.ClientSecretId;
    const clientSecret = result.ClientSecretDescriptor?.ClientSecretValue;
    if (!keyId || !clientSecret)
      throw new Error(`Cognito AddUserPoolClientSecret for ${userName} returned no secret`);
    return { keyId, clientId, clientSecret };
  }

  async deleteClientSecret({ clientId }: CredentialHolder, keyId: string): Promise<void> {
    if (!clientId) return;
    await ignoring(
      this.cognito.send(
        new DeleteUserPoolClientSecretCommand({
          UserPoolId: this.pool,
          ClientId: clientId,
          ClientSecretId: keyId,
        }),
      ),
      'ResourceNotFoundException',
    );
  }

  /** A client's secrets all share its client_id: which one is published is Mint's `mint:key-id` mark. */
  keyIdOf(_document: CredentialsDocument): undefined {
    return undefined;
  }

  async setPassword(userName: string, password: string): Promise<void> {
    await this.cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: this.pool,
        Username: userName,
        Password: password,
        Permanent: true,
      }),
    );
  }

  /** Clears first, then sets: an interrupted call leaves marks missing (repaired again), never stale ones. */
  async tagUser(userName: string, tags: Record<string, string>): Promise<void> {
    const set = Object.fromEntries(Object.entries(tags).filter(([, value]) => value !== ''));
    const cleared = Object.keys(tags).filter((mark) => tags[mark] === '');
    if (cleared.length > 0) {
      await this.cognito.send(
        new AdminDeleteUserAttributesCommand({
          UserPoolId: this.pool,
          Username: userName,
          UserAttributeNames: cleared.map(attributeName),
        }),
      );
    }
    if (Object.keys(set).length > 0) {
      await this.cognito.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: this.pool,
          Username: userName,
          UserAttributes: toAttributes(set),
        }),
      );
    }
  }

  async userTags(userName: string): Promise<Record<string, string>> {
    const { [COGNITO_CLIENT_ID_MARK]: _client, ...marks } = await this.allMarks(userName);
    return marks;
  }

  /** The user's marks with the client it records. */
  private async allMarks(userName: string): Promise<Record<string, string>> {
    const result = await this.cognito.send(
      new AdminGetUserCommand({ UserPoolId: this.pool, Username: userName }),
    );
    return marksOf(result.UserAttributes ?? []);
  }

  /** The pool's policy changes rarely; one read per Lambda container is enough. */
  readonly passwordPolicy = readOnce(() => this.readPasswordPolicy());

  private async readPasswordPolicy(): Promise<PasswordPolicy> {
    const { UserPool: pool } = await this.cognito.send(
      new DescribeUserPoolCommand({ UserPoolId: this.pool }),
    );
    const policy = pool?.Policies?.PasswordPolicy;
    return {
      // Cognito's own default policy: 8 characters with every class required.
      minimumLength: policy?.MinimumLength ?? 8,
      requireSymbols: policy?.RequireSymbols ?? true,
      requireNumbers: policy?.RequireNumbers ?? true,
      requireUppercase: policy?.RequireUppercase ?? true,
      requireLowercase: policy?.RequireLowercase ?? true,
    };
  }
}

/** A mark's attribute name; a mark Mint does not know is refused rather than written somewhere odd. */
function attributeName(mark: string): string {
  const name = attributeOf.get(mark);
  if (!name) throw new Error(`no Cognito attribute is declared for the mark ${mark}`);
  return name;
}

function toAttributes(tags: Record<string, string>): AttributeType[] {
  return Object.entries(tags).map(([mark, Value]) => ({ Name: attributeName(mark), Value }));
}

/** Mint's marks from a user's attributes; a user without a valid `mint_app` is not Mint's to act on. */
function marksOf(attributes: readonly AttributeType[]): Record<string, string> {
  const marks: Record<string, string> = {};
  for (const { Name, Value } of attributes) {
    const mark = Name ? markOf.get(Name) : undefined;
    if (mark && Value !== undefined) marks[mark] = Value;
  }
  if (!isAppId(marks[TAG.appId])) delete marks[TAG.appId];
  return marks;
}
