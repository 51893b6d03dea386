import { createHmac, randomBytes } from 'node:crypto';
import * as Cognito from '@aws-sdk/client-cognito-identity-provider';
import { COGNITO_MARK_ATTRIBUTES, customAttributeName } from '../../lambdas/contracts/cognito-attributes';
import { awsError, type Register } from './operations';

export interface FakePoolUser {
  username: string;
  attributes: Map<string, string>;
  password?: string;
  status: 'FORCE_CHANGE_PASSWORD' | 'CONFIRMED';
}

export interface FakePoolClient {
  clientId: string;
  name: string;
  secrets: { id: string; value: string; created: Date }[];
  flows: string[];
  scopes: string[];
  authFlows: string[];
}

export interface FakePool {
  id: string;
  users: Map<string, FakePoolUser>;
  clients: Map<string, FakePoolClient>;
  /** The custom attributes the pool declares (`custom:` names): writing any other is refused. */
  customAttributes: Set<string>;
  /** App clients per pool: CreateUserPoolClient fails with LimitExceeded beyond. */
  clientsQuota: number;
  passwordMinimumLength: number;
}

/** Cognito's largest page for ListUsers and ListUserPoolClients. */
const MAX_PAGE = 60;

/**
 * Amazon Cognito user pools, for what Mint calls: users with attributes and a password, confidential app
 * clients with up to two secrets (the last one cannot be deleted), sign-in with the user-password flow and
 * a secret hash, and the token endpoint's client_credentials grant (`issueToken`). Errors carry the
 * names Cognito's API reference gives. Every secret and password handed out is appended to `issued`.
 */
export class CognitoPools {
  readonly pools = new Map<string, FakePool>();
  private seq = 0;

  constructor(
    private readonly region: string,
    private readonly issued: string[],
  ) {}

  /** A pool as Mint's stack creates it: Mint's mark attributes declared, the default clients quota. */
  addPool(id = `${this.region}_MintPool${this.pools.size + 1}`): FakePool {
    const pool: FakePool = {
      id,
      users: new Map(),
      clients: new Map(),
      customAttributes: new Set(Object.values(COGNITO_MARK_ATTRIBUTES).map(customAttributeName)),
      clientsQuota: 1000,
      passwordMinimumLength: 8,
    };
    this.pools.set(id, pool);
    return pool;
  }

  pool(id: unknown): FakePool {
    const pool = this.pools.get(String(id));
    if (!pool) throw awsError('ResourceNotFoundException', `User pool ${String(id)} does not exist.`);
    return pool;
  }

  user(pool: FakePool, name: unknown): FakePoolUser {
    const user = pool.users.get(String(name));
    if (!user) throw awsError('UserNotFoundException', 'User does not exist.');
    return user;
  }

  client(pool: FakePool, id: unknown): FakePoolClient {
    const client = pool.clients.get(String(id));
    if (!client)
      throw awsError('ResourceNotFoundException', `User pool client ${String(id)} does not exist.`);
    return client;
  }

  private newSecret(client: FakePoolClient): { id: string; value: string; created: Date } {
    const created = new Date();
    const secret = {
      id: `${client.clientId}--${created.getTime()}${String(++this.seq).padStart(4, '0')}`,
      value: randomBytes(39).toString('base64url').replace(/[-_]/g, 'x'),
      created,
    };
    client.secrets.push(secret);
    this.issued.push(secret.value);
    return secret;
  }

  private setAttributes(pool: FakePool, user: FakePoolUser, attributes: unknown): void {
    for (const { Name, Value } of Array.isArray(attributes) ? attributes : []) {
      const name = String(Name);
      if (name.startsWith('custom:') && !pool.customAttributes.has(name))
        throw awsError('InvalidParameterException', `Attribute does not exist in the schema: ${name}`);
      if (String(Value).length > 2048) throw awsError('InvalidParameterException', `${name} is too long`);
      user.attributes.set(name, String(Value));
    }
  }

  /** The token endpoint's client_credentials grant: the scopes granted, or the OAuth error Cognito answers. */
  issueToken(
    clientId: string,
    secret: string,
    scope?: string,
  ): { access_token: string; expires_in: number; token_type: 'Bearer' } | { error: string; status: number } {
    const pool = [...this.pools.values()].find((p) => p.clients.has(clientId));
    const client = pool?.clients.get(clientId);
    if (!client?.secrets.some((s) => s.value === secret)) return { error: 'invalid_client', status: 400 };
    if (!client.flows.includes('client_credentials')) return { error: 'unauthorized_client', status: 400 };
    const asked = scope ? scope.split(' ') : client.scopes;
    if (asked.some((s) => !client.scopes.includes(s))) return { error: 'invalid_scope', status: 400 };
    return {
      access_token: `fake.${clientId}.${randomBytes(8).toString('hex')}`,
      expires_in: 3600,
      token_type: 'Bearer',
    };
  }

  register(on: Register): void {
    on(Cognito.ListUsersCommand, 'ListUsers', (input) => {
      const users = [...this.pool(input.UserPoolId).users.values()];
      const start = Number(input.PaginationToken ?? 0);
      const size = Math.min(MAX_PAGE, Number(input.Limit ?? MAX_PAGE));
      if (size > MAX_PAGE) throw awsError('InvalidParameterException', 'Limit must be at most 60');
      const page = users.slice(start, start + size);
      return {
        Users: page.map((u) => ({
          Username: u.username,
          UserStatus: u.status,
          Attributes: [...u.attributes].map(([Name, Value]) => ({ Name, Value })),
        })),
        ...(start + size < users.length ? { PaginationToken: String(start + size) } : {}),
      };
    });
    on(Cognito.ListUserPoolClientsCommand, 'ListUserPoolClients', (input) => {
      const clients = [...this.pool(input.UserPoolId).clients.values()];
      const start = Number(input.NextToken ?? 0);
      const size = Math.min(MAX_PAGE, Number(input.MaxResults ?? MAX_PAGE));
      return {
        UserPoolClients: clients
          .slice(start, start + size)
          .map((c) => ({ ClientId: c.clientId, ClientName: c.name })),
        ...(start + size < clients.length ? { NextToken: String(start + size) } : {}),
      };
    });
    on(Cognito.AdminCreateUserCommand, 'AdminCreateUser', (input) => {
      const pool = this.pool(input.UserPoolId);
      const username = String(input.Username);
      if (pool.users.has(username)) throw awsError('UsernameExistsException', 'User account already exists');
      const user: FakePoolUser = { username, attributes: new Map(), status: 'FORCE_CHANGE_PASSWORD' };
      this.setAttributes(pool, user, input.UserAttributes);
      pool.users.set(username, user);
      return { User: { Username: username, UserStatus: user.status } };
    });
    on(Cognito.AdminUpdateUserAttributesCommand, 'AdminUpdateUserAttributes', (input) => {
      const pool = this.pool(input.UserPoolId);
      this.setAttributes(pool, this.user(pool, input.Username), input.UserAttributes);
      return {};
    });
    on(Cognito.AdminDeleteUserAttributesCommand, 'AdminDeleteUserAttributes', (input) => {
      const pool = this.pool(input.UserPoolId);
      const user = this.user(pool, input.Username);
      for (const name of Array.isArray(input.UserAttributeNames) ? input.UserAttributeNames : [])
        user.attributes.delete(String(name));
      return {};
    });
    on(Cognito.AdminGetUserCommand, 'AdminGetUser', (input) => {
      const pool = this.pool(input.UserPoolId);
      const user = this.user(pool, input.Username);
      return {
        Username: user.username,
        UserStatus: user.status,
        UserAttributes: [...user.attributes].map(([Name, Value]) => ({ Name, Value })),
      };
    });
    on(Cognito.AdminDeleteUserCommand, 'AdminDeleteUser', (input) => {
      const pool = this.pool(input.UserPoolId);
      this.user(pool, input.Username);
      pool.users.delete(String(input.Username));
      return {};
    });
    on(Cognito.AdminSetUserPasswordCommand, 'AdminSetUserPassword', (input) => {
      const pool = this.pool(input.UserPoolId);
      const user = this.user(pool, input.Username);
      const password = String(input.Password);
      if (password.length < pool.passwordMinimumLength)
        throw awsError(
          'InvalidPasswordException',
          'Password did not conform with policy: Password not long enough',
        );
      user.password = password;
      if (input.Permanent) user.status = 'CONFIRMED';
      this.issued.push(password);
      return {};
    });
    on(Cognito.DescribeUserPoolCommand, 'DescribeUserPool', (input) => {
      const pool = this.pool(input.UserPoolId);
      return {
        UserPool: {
          Id: pool.id,
          Policies: {
            PasswordPolicy: {
              MinimumLength: pool.passwordMinimumLength,
              RequireUppercase: true,
              RequireLowercase: true,
              RequireNumbers: true,
              RequireSymbols: true,
            },
          },
        },
      };
    });
    on(Cognito.CreateUserPoolClientCommand, 'CreateUserPoolClient', (input) => {
      const pool = this.pool(input.UserPoolId);
      if (pool.clients.size >= pool.clientsQuota)
        throw awsError('LimitExceededException', 'The app client quota of this user pool has been reached.');
      const client: FakePoolClient = {
        clientId: `${randomBytes(13).toString('hex').slice(0, 26)}`,
        name: String(input.ClientName),
        secrets: [],
        flows: Array.isArray(input.AllowedOAuthFlows) ? input.AllowedOAuthFlows.map(String) : [],
        scopes: Array.isArray(input.AllowedOAuthScopes) ? input.AllowedOAuthScopes.map(String) : [],
        authFlows: Array.isArray(input.ExplicitAuthFlows) ? input.ExplicitAuthFlows.map(String) : [],
      };
      pool.clients.set(client.clientId, client);
      const secret = input.GenerateSecret ? this.newSecret(client) : undefined;
      return {
        UserPoolClient: { ClientId: client.clientId, ClientName: client.name, ClientSecret: secret?.value },
      };
    });
    on(Cognito.DeleteUserPoolClientCommand, 'DeleteUserPoolClient', (input) => {
      const pool = this.pool(input.UserPoolId);
      this.client(pool, input.ClientId);
      pool.clients.delete(String(input.ClientId));
      return {};
    });
    on(Cognito.AddUserPoolClientSecretCommand, 'AddUserPoolClientSecret', (input) => {
      const client = this.client(this.pool(input.UserPoolId), input.ClientId);
      if (client.secrets.length === 0)
        throw awsError('InvalidParameterException', 'The app client has no secret: it is a public client.');
      if (client.secrets.length >= 2)
        throw awsError('LimitExceededException', 'An app client can have at most 2 client secrets.');
      const secret = this.newSecret(client);
      return {
        ClientSecretDescriptor: {
          ClientSecretId: secret.id,
          ClientSecretValue: secret.value,
          ClientSecretCreateDate: secret.created,
        },
      };
    });
    on(Cognito.ListUserPoolClientSecretsCommand, 'ListUserPoolClientSecrets', (input) => ({
      ClientSecrets: this.client(this.pool(input.UserPoolId), input.ClientId).secrets.map((s) => ({
        ClientSecretId: s.id,
        ClientSecretCreateDate: s.created,
      })),
    }));
    on(Cognito.DeleteUserPoolClientSecretCommand, 'DeleteUserPoolClientSecret', (input) => {
      const client = this.client(this.pool(input.UserPoolId), input.ClientId);
      if (!client.secrets.some((s) => s.id === input.ClientSecretId))
        throw awsError(
          'ResourceNotFoundException',
          `Client secret ${String(input.ClientSecretId)} does not exist.`,
        );
      if (client.secrets.length === 1)
        throw awsError(
          'InvalidParameterException',
          'You cannot delete the last remaining secret for an app client.',
        );
      client.secrets = client.secrets.filter((s) => s.id !== input.ClientSecretId);
      return {};
    });
    on(Cognito.InitiateAuthCommand, 'InitiateAuth', (input) => {
      const parameters = (input.AuthParameters ?? {}) as Record<string, string>;
      const clientId = String(input.ClientId);
      const pool = [...this.pools.values()].find((p) => p.clients.has(clientId));
      const client = pool?.clients.get(clientId);
      if (!pool || !client)
        throw awsError('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
      if (input.AuthFlow !== 'USER_PASSWORD_AUTH' || !client.authFlows.includes('ALLOW_USER_PASSWORD_AUTH'))
        throw awsError('InvalidParameterException', 'USER_PASSWORD_AUTH flow not enabled for this client');
      const username = String(parameters.USERNAME);
      const hashes = client.secrets.map((s) =>
        createHmac('sha256', s.value)
          .update(username + clientId)
          .digest('base64'),
      );
      if (!hashes.includes(String(parameters.SECRET_HASH)))
        throw awsError('NotAuthorizedException', `Unable to verify secret hash for client ${clientId}`);
      const user = pool.users.get(username);
      if (!user || user.password === undefined || user.password !== parameters.PASSWORD)
        throw awsError('NotAuthorizedException', 'Incorrect username or password.');
      if (user.status !== 'CONFIRMED') return { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'fake' };
      return {
        AuthenticationResult: { AccessToken: `fake.${username}`, ExpiresIn: 3600, TokenType: 'Bearer' },
      };
    });
  }
}
