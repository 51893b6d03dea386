import {
  CognitoIdentityProviderClient,
  DescribeResourceServerCommand,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { signInCommand } from '../../lambdas/adapters/cognito-credential-tester';
import { COGNITO_MARK_ATTRIBUTES, customAttributeName } from '../../lambdas/contracts/cognito-attributes';
import { credentialsDocumentSchema } from '../../lambdas/core/credentials';
import { TAG } from '../../lambdas/core/service-users';
import { inventoryStoreOf, takeInventory } from '../../local/inventory';
import { type LocalMint, startLocalMint } from '../../local/local-mint';
import { summarizeCycle } from '../../local/summary';
import { MotoChecks, userIn } from '../support/moto-checks';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const kioApp = (id: string, active = true) => ({ id, team_id: 'team-a', name: id, active });
const APPS = ['orders', 'payments', 'reviews'];

type Credentials = Record<string, string>;

/**
 * The Cognito identity store end to end: the real handlers, SDK clients and synthesized definition
 * against moto with a user pool, then the published credentials used the way an app uses them. No
 * assertion shows a secret: secrets and passwords are only compared, as booleans.
 */
describe('a Mint cycle with the Cognito identity store against moto', () => {
  let mint: LocalMint;
  let check: MotoChecks;
  let cognito: CognitoIdentityProviderClient;
  const at = (offsetMs: number) => () => new Date(Date.now() + offsetMs);
  const pool = () => mint.environment.MINT_USER_POOL_ID ?? '';
  const inventory = () => takeInventory(mint.bucket, inventoryStoreOf(mint.environment));
  const published = async (appId: string): Promise<Credentials> => {
    const document = await check.published(appId);
    if (!document) throw new Error(`no credentials.json for ${appId}`);
    return document;
  };

  /** client_credentials at the pool's token endpoint, HTTP Basic as RFC 6749 has it: status and OAuth error. */
  const token = async ({ client_id = '', client_secret = '' }: Credentials) => {
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    const response = await fetch(mint.environment.MINT_TOKEN_ENDPOINT ?? '', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encode(client_id)}:${encode(client_secret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'mint/access' }).toString(),
    });
    const body = (await response.json()) as { access_token?: string; error?: string };
    const claims = body.access_token
      ? JSON.parse(Buffer.from(body.access_token.split('.')[1] ?? '', 'base64url').toString())
      : undefined;
    return { status: response.status, error: body.error, clientId: claims?.client_id, scope: claims?.scope };
  };
  const granted = (document: Credentials) => ({
    status: 200,
    error: undefined,
    clientId: document.client_id,
    scope: 'mint/access',
  });

  /** The user-password flow with the published username, password and the SECRET_HASH of client_secret. */
  const signIn = async (document: Credentials, secretOf: Credentials = document) => {
    const { AuthenticationResult } = await cognito.send(
      signInCommand(credentialsDocumentSchema.parse(document), secretOf.client_secret),
    );
    return typeof AuthenticationResult?.AccessToken === 'string';
  };

  beforeAll(async () => {
    // Two apps per batch, so a cycle over three apps runs two Map iterations.
    mint = await startLocalMint({
      identityStore: 'cognito',
      context: { 'mint:batchSize': 2 },
      env: { MINT_KIO_RETRIES: '1' },
    });
    check = new MotoChecks(mint.endpoint, mint.bucket);
    cognito = new CognitoIdentityProviderClient({ endpoint: mint.endpoint, region: process.env.AWS_REGION });
  });
  afterAll(async () => {
    cognito?.destroy();
    await mint?.stop();
  });
  beforeEach(async () => {
    await mint.reset();
    mint.kio?.setApps(APPS.map((id) => kioApp(id)));
  });

  it('runs against a pool with the custom attributes and the scope, configured in the environment it passes', async () => {
    expect(mint.environment).toMatchObject({
      MINT_IDENTITY_STORE: 'cognito',
      MINT_USER_POOL_ID: expect.stringMatching(/^[\w-]+_[0-9a-zA-Z]+$/),
      MINT_OAUTH_SCOPES: 'mint/access',
      MINT_TOKEN_ENDPOINT: `${mint.endpoint}/oauth2/token`,
    });
    expect(mint.environment.MINT_BOUNDARY_ARN).toBeUndefined();
    expect(process.env.MINT_IDENTITY_STORE).toBeUndefined();
    const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: pool() }));
    const declared = (UserPool?.SchemaAttributes ?? []).filter((a) => a.Name?.startsWith('custom:'));
    expect(declared.map((a) => a.Name).sort()).toEqual(
      Object.values(COGNITO_MARK_ATTRIBUTES).map(customAttributeName).sort(),
    );
    for (const attribute of declared)
      expect(attribute).toMatchObject({ AttributeDataType: 'String', Mutable: true });
    const { ResourceServer } = await cognito.send(
      new DescribeResourceServerCommand({ UserPoolId: pool(), Identifier: 'mint' }),
    );
    expect(ResourceServer?.Scopes?.map((s) => s.ScopeName)).toEqual(['access']);
  });

  it('creates a user and an app client per app and publishes credentials that get a token and sign the user in', async () => {
    const run = await mint.cycle();
    expect(run.status).toBe('SUCCEEDED');
    expect(summarizeCycle(run)).toMatchObject({ users: { created: 3 }, rotated: 3, failures: [] });
    const after = await inventory();
    expect(after.users.map((u) => u.userName)).toEqual([...APPS].sort());
    expect(after.clients?.map((c) => c.name)).toEqual([...APPS].sort());
    // No IAM user: the Cognito store made them all.
    expect((await takeInventory(mint.bucket, '/mint/')).users).toEqual([]);
    for (const appId of APPS) {
      const document = await published(appId);
      expect(Object.keys(document).sort()).toEqual([
        'application_password',
        'application_username',
        'client_id',
        'client_secret',
      ]);
      const user = userIn(after, appId);
      expect(document.application_username).toBe(appId);
      expect(document.client_id).toBe(user?.clientId);
      // The client's one secret is the published one; the secret it was created with is gone.
      expect(user?.keys).toEqual([{ id: user?.tags[TAG.keyId], status: 'Active' }]);
      expect(await token(document)).toEqual(granted(document));
      expect(await signIn(document)).toBe(true);
    }
  });

  it('rotates the secret after mint:accessKeyMaxAgeDays, both secrets working until the previous is retired after the grace period', async () => {
    await mint.cycle();
    const first = await published('orders');
    const rotation = await mint.cycle({}, { now: at(31 * DAY) });
    expect(summarizeCycle(rotation)).toMatchObject({ rotated: 3, failures: [] });
    const second = await published('orders');
    // The same app client, a new secret and a new password.
    expect(second.client_id).toBe(first.client_id);
    expect(second.client_secret === first.client_secret).toBe(false);
    expect(second.application_password === first.application_password).toBe(false);
    let user = userIn(await inventory(), 'orders');
    expect(user?.keys.map((k) => k.id)).toHaveLength(2);
    expect(user?.keys.map((k) => k.id)).toContain(user?.tags[TAG.keyId]);
    const previousId = user?.tags[TAG.previousKeyId];
    expect(user?.keys.map((k) => k.id)).toContain(previousId);
    expect(previousId).not.toBe(user?.tags[TAG.keyId]);
    // An app still holding the previous secret keeps working through the grace period.
    expect(await token(first)).toEqual(granted(first));
    expect(await token(second)).toEqual(granted(second));
    expect(await signIn(second)).toBe(true);
    expect(await signIn(second, first)).toBe(true);

    const retirement = await mint.cycle({}, { now: at(31 * DAY + 25 * HOUR) });
    expect(summarizeCycle(retirement)).toMatchObject({ retired: 3, failures: [] });
    user = userIn(await inventory(), 'orders');
    expect(user?.keys.map((k) => k.id)).toEqual([user?.tags[TAG.keyId]]);
    expect(user?.keys.map((k) => k.id)).not.toContain(previousId);
    expect(user?.tags[TAG.previousKeyId]).toBeUndefined();
    expect(await token(first)).toEqual({
      status: 400,
      error: 'invalid_client',
      clientId: undefined,
      scope: undefined,
    });
    // The password was due again as well; the secret stays the one published at the rotation.
    const third = await published('orders');
    expect(third.client_secret === second.client_secret).toBe(true);
    expect(await token(third)).toEqual(granted(third));
    expect(await signIn(third)).toBe(true);
    await expect(signIn(third, first)).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('deletes the user, the app client and the files of an app deactivated in Kio', async () => {
    await mint.cycle();
    const reviews = await published('reviews');
    mint.kio?.setApps(APPS.map((id) => kioApp(id, id !== 'reviews')));
    const run = await mint.cycle({}, { now: at(HOUR) });
    expect(summarizeCycle(run)).toMatchObject({ users: { deleted: 1 }, failures: [] });
    const after = await inventory();
    expect(userIn(after, 'reviews')).toBeUndefined();
    expect(after.clients?.map((c) => c.name)).toEqual(['orders', 'payments']);
    expect(after.objects.filter((o) => o.key.startsWith('reviews/'))).toEqual([]);
    expect((await token(reviews)).error).toBe('invalid_client');
    const orders = await published('orders');
    expect(await token(orders)).toEqual(granted(orders));
  });
});
