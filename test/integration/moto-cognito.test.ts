import { createHmac, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import * as Cognito from '@aws-sdk/client-cognito-identity-provider';
import * as S3 from '@aws-sdk/client-s3';
import { type MotoServer, startMoto } from '../../local/moto';

/**
 * Issue 15 on moto as local/moto_server.py starts it (the Cognito patches are in local/moto_cognito.py):
 * client secret rotation, SECRET_HASH checked against every active secret, and the OAuth 2.0 token endpoint's
 * client_credentials grant. moto 5.2 alone has none of the three secret operations, checks no SECRET_HASH in
 * password sign-ins, compares the others with one fixed secret, and answers /oauth2/token from S3.
 * No assertion prints a secret: values are only compared, never shown in a diff.
 */
describe('Cognito user pools on moto', () => {
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const SCOPES = ['mint/read', 'mint/write'];
  const PASSWORD = 'Sign-in-password-1!';
  let moto: MotoServer;
  let cognito: Cognito.CognitoIdentityProviderClient;
  let UserPoolId: string;
  let seq = 0;

  beforeAll(async () => {
    moto = await startMoto();
    cognito = new Cognito.CognitoIdentityProviderClient({
      endpoint: moto.url,
      region: 'eu-central-1',
      credentials,
      // The SDK retries LimitExceededException as throttling; one attempt keeps the refusal quick.
      maxAttempts: 1,
    });
    const { UserPool } = await cognito.send(new Cognito.CreateUserPoolCommand({ PoolName: 'mint' }));
    UserPoolId = required(UserPool?.Id);
  });
  afterAll(async () => {
    cognito?.destroy();
    await moto?.stop();
  });

  /** An M2M app client: a generated secret, client_credentials with both scopes, password sign-in allowed. */
  const newClient = async (overrides: Partial<Cognito.CreateUserPoolClientCommandInput> = {}) => {
    const { UserPoolClient } = await cognito.send(
      new Cognito.CreateUserPoolClientCommand({
        UserPoolId,
        ClientName: `app-${++seq}`,
        GenerateSecret: true,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: SCOPES,
        ExplicitAuthFlows: [
          'ALLOW_USER_PASSWORD_AUTH',
          'ALLOW_ADMIN_USER_PASSWORD_AUTH',
          'ALLOW_REFRESH_TOKEN_AUTH',
        ],
        ...overrides,
      }),
    );
    return { ClientId: required(UserPoolClient?.ClientId), secret: UserPoolClient?.ClientSecret ?? '' };
  };
  const addSecret = async (ClientId: string, ClientSecret?: string) => {
    const { ClientSecretDescriptor } = await cognito.send(
      new Cognito.AddUserPoolClientSecretCommand({ UserPoolId, ClientId, ClientSecret }),
    );
    return {
      id: required(ClientSecretDescriptor?.ClientSecretId),
      value: ClientSecretDescriptor?.ClientSecretValue,
      created: ClientSecretDescriptor?.ClientSecretCreateDate,
    };
  };
  const listSecrets = async (ClientId: string) =>
    (await cognito.send(new Cognito.ListUserPoolClientSecretsCommand({ UserPoolId, ClientId })))
      .ClientSecrets ?? [];
  const deleteSecret = (ClientId: string, ClientSecretId: string) =>
    cognito.send(new Cognito.DeleteUserPoolClientSecretCommand({ UserPoolId, ClientId, ClientSecretId }));
  /** The id of the secret CreateUserPoolClient generated: the only one listed before any was added. */
  const firstSecretId = async (ClientId: string) =>
    required((await listSecrets(ClientId))[0]?.ClientSecretId);

  /** client_secret_basic: the Authorization header of the token endpoint. */
  const basic = (clientId: string, secret: string) =>
    `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
  /** POST <moto url>/oauth2/token, form-encoded. */
  const token = async (form: Record<string, string>, authorization?: string) => {
    const response = await fetch(`${moto.url}/oauth2/token`, {
      method: 'POST',
      headers: authorization ? { authorization } : {},
      body: new URLSearchParams(form),
    });
    return { status: response.status, body: (await response.json()) as TokenResponse };
  };
  const grant = { grant_type: 'client_credentials' };

  describe('client secret rotation', () => {
    it('lists the secret CreateUserPoolClient generated as the first, by id and date, without its value', async () => {
      const { ClientId, secret } = await newClient();
      const secrets = await listSecrets(ClientId);
      expect(secrets).toHaveLength(1);
      expect(secrets[0]?.ClientSecretId).toMatch(new RegExp(`^${ClientId}--\\d+$`));
      expect(secrets[0]?.ClientSecretCreateDate).toBeInstanceOf(Date);
      expect('ClientSecretValue' in (secrets[0] ?? {})).toBe(false);
      expect(JSON.stringify(secrets).includes(secret)).toBe(false);
    });

    it('adds a generated second secret, returns its value only then, and never lists values', async () => {
      const { ClientId, secret } = await newClient();
      const first = await firstSecretId(ClientId);
      const added = await addSecret(ClientId);
      expect(/^[\w+]{24,64}$/.test(added.value ?? '')).toBe(true);
      expect(added.value === secret).toBe(false);
      expect(added.created).toBeInstanceOf(Date);
      // Made in the same second as the first, yet its own id.
      expect(added.id).toMatch(new RegExp(`^${ClientId}--\\d+$`));
      expect(added.id).not.toBe(first);
      const secrets = await listSecrets(ClientId);
      expect(secrets.map((s) => s.ClientSecretId)).toEqual([first, added.id]);
      for (const listed of secrets) expect('ClientSecretValue' in listed).toBe(false);
      const listing = JSON.stringify(secrets);
      expect(listing.includes(secret) || listing.includes(added.value ?? '')).toBe(false);
    });

    it('takes a custom secret without echoing it, authenticates with it, and refuses one outside 24-64 characters of [\\w+]', async () => {
      const { ClientId } = await newClient();
      const custom = 'custom_secret+0123456789abcdef';
      const added = await addSecret(ClientId, custom);
      expect(added.value === undefined).toBe(true);
      expect((await token(grant, basic(ClientId, custom))).status).toBe(200);
      for (const bad of ['too_short_0123456789', 'x'.repeat(65), 'has-a-hyphen-0123456789abcdef'])
        await expect(addSecret(ClientId, bad)).rejects.toMatchObject({ name: 'InvalidParameterException' });
    });

    it('refuses a third active secret with LimitExceededException', async () => {
      const { ClientId } = await newClient();
      await addSecret(ClientId);
      await expect(addSecret(ClientId)).rejects.toMatchObject({ name: 'LimitExceededException' });
      expect(await listSecrets(ClientId)).toHaveLength(2);
    });

    it('deletes a secret, then refuses to delete the last one (InvalidParameterException)', async () => {
      const { ClientId, secret } = await newClient();
      const first = await firstSecretId(ClientId);
      const added = await addSecret(ClientId);
      await deleteSecret(ClientId, first);
      expect((await listSecrets(ClientId)).map((s) => s.ClientSecretId)).toEqual([added.id]);
      // DescribeUserPoolClient no longer shows the deleted secret, but the remaining one.
      const { UserPoolClient } = await cognito.send(
        new Cognito.DescribeUserPoolClientCommand({ UserPoolId, ClientId }),
      );
      expect(UserPoolClient?.ClientSecret === added.value && added.value !== secret).toBe(true);
      await expect(deleteSecret(ClientId, added.id)).rejects.toMatchObject({
        name: 'InvalidParameterException',
      });
      // With a slot free again, a new secret can be added.
      await addSecret(ClientId);
      expect(await listSecrets(ClientId)).toHaveLength(2);
    });

    it('answers ResourceNotFoundException for an unknown secret id, client or pool', async () => {
      const { ClientId } = await newClient();
      await addSecret(ClientId);
      await expect(deleteSecret(ClientId, `${ClientId}--1`)).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      await expect(addSecret('nosuchclient')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(listSecrets('nosuchclient')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(
        cognito.send(
          new Cognito.ListUserPoolClientSecretsCommand({ UserPoolId: 'eu-central-1_nosuchpool', ClientId }),
        ),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it('refuses to add a secret to a client created without one (InvalidParameterException)', async () => {
      const { ClientId } = await newClient({ GenerateSecret: false, AllowedOAuthFlows: [] });
      await expect(addSecret(ClientId)).rejects.toMatchObject({ name: 'InvalidParameterException' });
      expect(await listSecrets(ClientId)).toEqual([]);
    });
  });

  describe('the token endpoint, client_credentials', () => {
    const invalidClient = { status: 400, body: { error: 'invalid_client' } };

    /** The JWT's claims, after checking its RS256 signature with the pool's JWKS as moto serves it. */
    const verifiedClaims = async (jwt: string) => {
      const [header = '', payload = '', signature = ''] = jwt.split('.');
      const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString());
      expect(alg).toBe('RS256');
      const jwks = (await (await fetch(`${moto.url}/${UserPoolId}/.well-known/jwks.json`)).json()) as {
        keys: (JsonWebKey & { kid: string })[];
      };
      const key = createPublicKey({ key: required(jwks.keys.find((k) => k.kid === kid)), format: 'jwk' });
      const signed = Buffer.from(`${header}.${payload}`);
      expect(verify('RSA-SHA256', signed, key, Buffer.from(signature, 'base64url'))).toBe(true);
      return JSON.parse(Buffer.from(payload, 'base64url').toString());
    };

    it('issues a signed access token with either of two active secrets, Basic or form authentication', async () => {
      const { ClientId, secret } = await newClient();
      const added = await addSecret(ClientId);
      const byHeader = await token(grant, basic(ClientId, secret));
      const byForm = await token({ ...grant, client_id: ClientId, client_secret: added.value ?? '' });
      for (const { status, body } of [byHeader, byForm]) {
        expect(status).toBe(200);
        expect(body).toEqual({ access_token: expect.any(String), expires_in: 3600, token_type: 'Bearer' });
        const claims = await verifiedClaims(required(body.access_token));
        expect(claims).toMatchObject({
          sub: ClientId,
          client_id: ClientId,
          token_use: 'access',
          scope: SCOPES.join(' '),
          iss: expect.stringMatching(new RegExp(`/${UserPoolId}$`)),
        });
        expect(claims.exp - claims.iat).toBe(3600);
      }
    });

    it('refuses a deleted secret with invalid_client while the other one still works', async () => {
      const { ClientId, secret } = await newClient();
      const added = await addSecret(ClientId);
      await deleteSecret(ClientId, await firstSecretId(ClientId));
      expect(await token(grant, basic(ClientId, secret))).toEqual(invalidClient);
      expect((await token(grant, basic(ClientId, added.value ?? ''))).status).toBe(200);
    });

    it('refuses a wrong secret, no secret and an unknown client with invalid_client', async () => {
      const { ClientId, secret } = await newClient();
      expect(await token(grant, basic(ClientId, `${secret}x`))).toEqual(invalidClient);
      expect(await token({ ...grant, client_id: ClientId })).toEqual(invalidClient);
      expect(await token(grant, basic('nosuchclient', secret))).toEqual(invalidClient);
    });

    it('grants a requested subset of the allowed scopes and refuses any other with invalid_scope', async () => {
      const { ClientId, secret } = await newClient();
      const subset = await token({ ...grant, scope: 'mint/read' }, basic(ClientId, secret));
      expect(subset.status).toBe(200);
      expect((await verifiedClaims(required(subset.body.access_token))).scope).toBe('mint/read');
      expect(await token({ ...grant, scope: 'mint/read mint/admin' }, basic(ClientId, secret))).toEqual({
        status: 400,
        body: { error: 'invalid_scope' },
      });
    });

    it('refuses other grant types with unsupported_grant_type, and a missing one with invalid_request', async () => {
      const { ClientId, secret } = await newClient();
      const password = await token({ grant_type: 'password' }, basic(ClientId, secret));
      expect(password).toEqual({ status: 400, body: { error: 'unsupported_grant_type' } });
      expect(await token({}, basic(ClientId, secret))).toEqual({
        status: 400,
        body: { error: 'invalid_request' },
      });
    });

    it('refuses a client without the client_credentials flow with unauthorized_client', async () => {
      const notAllowed = { status: 400, body: { error: 'unauthorized_client' } };
      const codeOnly = await newClient({
        AllowedOAuthFlows: ['code'],
        CallbackURLs: ['https://example.com/'],
      });
      expect(await token(grant, basic(codeOnly.ClientId, codeOnly.secret))).toEqual(notAllowed);
      const noOAuth = await newClient({ AllowedOAuthFlowsUserPoolClient: false });
      expect(await token(grant, basic(noOAuth.ClientId, noOAuth.secret))).toEqual(notAllowed);
    });

    it("takes expires_in from the client's AccessTokenValidity and TokenValidityUnits", async () => {
      const hours = await newClient({ AccessTokenValidity: 2 });
      expect((await token(grant, basic(hours.ClientId, hours.secret))).body.expires_in).toBe(7200);
      const minutes = await newClient({
        AccessTokenValidity: 30,
        TokenValidityUnits: { AccessToken: 'minutes' },
      });
      expect((await token(grant, basic(minutes.ClientId, minutes.secret))).body.expires_in).toBe(1800);
    });

    it('leaves other services on the same server as they were: an S3 object at oauth2/token', async () => {
      const s3 = new S3.S3Client({
        endpoint: moto.url,
        region: 'eu-central-1',
        credentials,
        forcePathStyle: true,
      });
      try {
        await s3.send(new S3.CreateBucketCommand({ Bucket: 'oauth2' }));
        await s3.send(new S3.PutObjectCommand({ Bucket: 'oauth2', Key: 'token', Body: 'not a token' }));
        const { Body } = await s3.send(new S3.GetObjectCommand({ Bucket: 'oauth2', Key: 'token' }));
        expect(await Body?.transformToString()).toBe('not a token');
      } finally {
        s3.destroy();
      }
    });
  });

  describe('SECRET_HASH in sign-ins', () => {
    /** Base64(HMAC-SHA256(key = client secret, message = username + client id)). */
    const secretHash = (secret: string, username: string, clientId: string) =>
      createHmac('sha256', secret)
        .update(username + clientId)
        .digest('base64');
    /** A user as Mint's store makes one: no invitation, a permanent password. */
    const newUser = async () => {
      const Username = `user-${++seq}`;
      await cognito.send(
        new Cognito.AdminCreateUserCommand({ UserPoolId, Username, MessageAction: 'SUPPRESS' }),
      );
      await cognito.send(
        new Cognito.AdminSetUserPasswordCommand({
          UserPoolId,
          Username,
          Password: PASSWORD,
          Permanent: true,
        }),
      );
      return Username;
    };
    const signIn = (ClientId: string, USERNAME: string, SECRET_HASH?: string) =>
      cognito.send(
        new Cognito.InitiateAuthCommand({
          ClientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME, PASSWORD, ...(SECRET_HASH ? { SECRET_HASH } : {}) },
        }),
      );
    const adminSignIn = (ClientId: string, USERNAME: string, SECRET_HASH: string) =>
      cognito.send(
        new Cognito.AdminInitiateAuthCommand({
          UserPoolId,
          ClientId,
          AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME, PASSWORD, SECRET_HASH },
        }),
      );
    const refresh = (ClientId: string, REFRESH_TOKEN: string, SECRET_HASH: string) =>
      cognito.send(
        new Cognito.InitiateAuthCommand({
          ClientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN, SECRET_HASH },
        }),
      );
    const unverified = (ClientId: string) => ({
      name: 'NotAuthorizedException',
      message: `Unable to verify secret hash for client ${ClientId}`,
    });

    it('USER_PASSWORD_AUTH takes a hash from the old or the new secret, and refuses the old once deleted', async () => {
      const { ClientId, secret } = await newClient();
      const Username = await newUser();
      const first = await signIn(ClientId, Username, secretHash(secret, Username, ClientId));
      expect(first.AuthenticationResult?.AccessToken).toEqual(expect.any(String));
      const added = await addSecret(ClientId);
      const newHash = secretHash(added.value ?? '', Username, ClientId);
      expect((await signIn(ClientId, Username, newHash)).AuthenticationResult?.AccessToken).toBeDefined();
      expect(
        (await signIn(ClientId, Username, secretHash(secret, Username, ClientId))).AuthenticationResult,
      ).toBeDefined();
      await deleteSecret(ClientId, await firstSecretId(ClientId));
      await expect(signIn(ClientId, Username, secretHash(secret, Username, ClientId))).rejects.toMatchObject(
        unverified(ClientId),
      );
      expect((await signIn(ClientId, Username, newHash)).AuthenticationResult?.AccessToken).toBeDefined();
    });

    it('USER_PASSWORD_AUTH refuses a wrong or missing hash for a client with a secret', async () => {
      const { ClientId, secret } = await newClient();
      const Username = await newUser();
      await expect(
        signIn(ClientId, Username, secretHash(`${secret}x`, Username, ClientId)),
      ).rejects.toMatchObject(unverified(ClientId));
      await expect(signIn(ClientId, Username)).rejects.toMatchObject({
        name: 'NotAuthorizedException',
        message: `Client ${ClientId} is configured with secret but SECRET_HASH was not received`,
      });
    });

    it('ADMIN_USER_PASSWORD_AUTH checks the hash against the active secrets too', async () => {
      const { ClientId, secret } = await newClient();
      const Username = await newUser();
      const added = await addSecret(ClientId);
      await deleteSecret(ClientId, await firstSecretId(ClientId));
      const signedIn = await adminSignIn(
        ClientId,
        Username,
        secretHash(added.value ?? '', Username, ClientId),
      );
      expect(signedIn.AuthenticationResult?.AccessToken).toBeDefined();
      await expect(
        adminSignIn(ClientId, Username, secretHash(secret, Username, ClientId)),
      ).rejects.toMatchObject(unverified(ClientId));
    });

    it("REFRESH_TOKEN_AUTH, which moto checked against one fixed secret, takes the new secret's hash", async () => {
      const { ClientId, secret } = await newClient();
      const Username = await newUser();
      const signedIn = await signIn(ClientId, Username, secretHash(secret, Username, ClientId));
      const refreshToken = required(signedIn.AuthenticationResult?.RefreshToken);
      const added = await addSecret(ClientId);
      await deleteSecret(ClientId, await firstSecretId(ClientId));
      const refreshed = await refresh(
        ClientId,
        refreshToken,
        secretHash(added.value ?? '', Username, ClientId),
      );
      expect(refreshed.AuthenticationResult?.AccessToken).toBeDefined();
      await expect(
        refresh(ClientId, refreshToken, secretHash(secret, Username, ClientId)),
      ).rejects.toMatchObject(unverified(ClientId));
    });
  });

  describe('user attributes', () => {
    it('AdminDeleteUserAttributes deletes the attributes that are set and accepts those that are not, as Cognito does', async () => {
      const Username = `user-${++seq}`;
      await cognito.send(
        new Cognito.AdminCreateUserCommand({
          UserPoolId,
          Username,
          MessageAction: 'SUPPRESS',
          UserAttributes: [{ Name: 'name', Value: 'Orders' }],
        }),
      );
      await cognito.send(
        new Cognito.AdminDeleteUserAttributesCommand({
          UserPoolId,
          Username,
          UserAttributeNames: ['name', 'family_name'],
        }),
      );
      const { UserAttributes } = await cognito.send(
        new Cognito.AdminGetUserCommand({ UserPoolId, Username }),
      );
      expect((UserAttributes ?? []).map((a) => a.Name)).not.toContain('name');
    });
  });
});

/** The token endpoint's JSON: a token, or an OAuth 2.0 error. */
interface TokenResponse {
  access_token?: string;
  expires_in?: number;
  token_type?: string;
  error?: string;
}

function required<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error('expected a value');
  return value;
}
