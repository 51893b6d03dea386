import { createHmac } from 'node:crypto';
import * as Cognito from '@aws-sdk/client-cognito-identity-provider';
import { type MotoServer, startMoto } from '../../local/moto';

/**
 * Issue 15 on moto as local/moto_server.py starts it (the Cognito patches are in local/moto_cognito.py):
 * client secret rotation and SECRET_HASH checked against every active secret. moto 5.2 alone has none of the
 * three secret operations, checks no SECRET_HASH in password sign-ins, and compares the others with one fixed
 * secret.
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

    it('takes a custom secret without echoing it, and refuses one outside 24-64 characters of [\\w+]', async () => {
      const { ClientId } = await newClient();
      const custom = 'custom_secret+0123456789abcdef';
      const added = await addSecret(ClientId, custom);
      expect(added.value === undefined).toBe(true);
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
});

function required<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error('expected a value');
  return value;
}
