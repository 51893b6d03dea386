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

export interface CognitoIdentityStoreOptions {
  userPoolId: string;
  /** The scopes each app client may ask for with the client_credentials grant. */
  scopes: readonly string[];
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
  private cachedPolicy?: Promise<PasswordPolicy>;
  /** Clients by name at the latest listing: what a repair adopts instead of creating a duplicate. */
  private clientsByName = new Map<string, string>();
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
    const clientIds = new Set(clients.values());
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
          arn: `cognito-idp:${this.pool}:user/${user.Username}`,
          ...(known ? { clientId } : {}),
          ...(!known && clientId ? { recordedClientId: clientId } : {}),
          tags: marks,
          ...(known ? {} : { repairs: [MISSING_CLIENT] }),
        });
      }
      token = page.PaginationToken;
    } while (token);
    return users;
  }

  private async listClients(): Promise<Map<string, string>> {
    const byName = new Map<string, string>();
    let seen = 0;
    let token: string | undefined;
    do {
      const page = await this.cognito.send(
        new ListUserPoolClientsCommand({ UserPoolId: this.pool, MaxResults: PAGE, NextToken: token }),
      );
      for (const client of page.UserPoolClients ?? []) {
        seen++;
        if (client.ClientName && client.ClientId && !byName.has(client.ClientName))
          byName.set(client.ClientName, client.ClientId);
      }
      token = page.NextToken;
    } while (token);
    this.clientsByName = byName;
    this.clientsSeen = seen;
    return byName;
  }

  async accountUsage(): Promise<StoreUsage> {
    if (this.clientsSeen === undefined) await this.listClients();
    // Cognito's API does not tell a pool's quota (Service Quotas does, with another grant): Mint judges
    // against the default, which errs towards warning early. README, "Choosing an identity store".
    return {
      users: this.clientsSeen ?? 0,
      quota: COGNITO_APP_CLIENTS_QUOTA,
      resource: 'app clients per user pool',
    };
  }

  async createServiceUser(appId: string, extraTags: Record<string, string> = {}): Promise<ServiceUser> {
    const tags = { ...extraTags, [TAG.appId]: appId };
    try {
      await this.cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: this.pool,
          Username: appId,
          // Service users get no invitation: Mint sets a permanent password at its first rotation.
          MessageAction: 'SUPPRESS',
          UserAttributes: toAttributes(tags),
        }),
      );
    } catch (error) {
      // An earlier attempt created the user and died before its client: finish it.
      if (!isCognitoError(error, 'UsernameExistsException')) throw error;
      await this.tagUser(appId, tags);
    }
    const { [COGNITO_CLIENT_ID_MARK]: clientId } = await this.attachClient(appId);
    return { userName: appId, arn: `cognito-idp:${this.pool}:user/${appId}`, clientId, tags };
  }

  /**
   * Gives the user its client: the one of its name the latest listing saw, or a new one; then records it.
   * Returns the marks written: for a client other than the one published, the key marks are cleared,
   * so its first secret is due at once.
   */
  private async attachClient(
    appId: string,
    previous?: { clientId: string; tags: Record<string, string> },
  ): Promise<Record<string, string>> {
    const clientId = this.clientsByName.get(appId) ?? (await this.createClient(appId));
    const marks: Record<string, string> = { [COGNITO_CLIENT_ID_MARK]: clientId };
    if (previous && previous.clientId !== clientId) {
      // Only marks the user carries: clearing a missing one would be a write for nothing.
      for (const mark of [TAG.keyId, TAG.keyRotatedAt, TAG.previousKeyId])
        if (previous.tags[mark]) marks[mark] = '';
    }
    await this.tagUser(appId, marks);
    return marks;
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
    this.clientsByName.set(appId, clientId);
    return clientId;
  }

  async repairServiceUser(user: ServiceUser): Promise<ServiceUser> {
    const { repairs: _done, ...repaired } = user;
    if (!user.repairs?.includes(MISSING_CLIENT)) return repaired;
    const { [COGNITO_CLIENT_ID_MARK]: clientId, ...marks } = await this.attachClient(user.userName, {
      clientId: user.recordedClientId ?? '',
      tags: user.tags,
    });
    const tags = { ...user.tags };
    for (const [mark, value] of Object.entries(marks)) {
      if (value === '') delete tags[mark];
      else tags[mark] = value;
    }
    return { ...repaired, ...(clientId ? { clientId } : {}), tags };
  }

  async deleteServiceUser({ userName, clientId }: CredentialHolder): Promise<void> {
    if (clientId) {
      await ignoring(
        this.cognito.send(new DeleteUserPoolClientCommand({ UserPoolId: this.pool, ClientId: clientId })),
        'ResourceNotFoundException',
      );
    }
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

  async tagUser(userName: string, tags: Record<string, string>): Promise<void> {
    const set = Object.fromEntries(Object.entries(tags).filter(([, value]) => value !== ''));
    const cleared = Object.keys(tags).filter((mark) => tags[mark] === '');
    if (Object.keys(set).length > 0) {
      await this.cognito.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: this.pool,
          Username: userName,
          UserAttributes: toAttributes(set),
        }),
      );
    }
    if (cleared.length > 0) {
      await this.cognito.send(
        new AdminDeleteUserAttributesCommand({
          UserPoolId: this.pool,
          Username: userName,
          UserAttributeNames: cleared.map(attributeName),
        }),
      );
    }
  }

  async userTags(userName: string): Promise<Record<string, string>> {
    const result = await this.cognito.send(
      new AdminGetUserCommand({ UserPoolId: this.pool, Username: userName }),
    );
    const marks = marksOf(result.UserAttributes ?? []);
    delete marks[COGNITO_CLIENT_ID_MARK];
    return marks;
  }

  passwordPolicy(): Promise<PasswordPolicy> {
    // The pool's policy changes rarely; one read per Lambda container is enough.
    this.cachedPolicy ??= this.readPasswordPolicy().catch((error: unknown) => {
      this.cachedPolicy = undefined;
      throw error;
    });
    return this.cachedPolicy;
  }

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
