import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { S3Client } from '@aws-sdk/client-s3';
import { readCycleResult } from '../../cli/cycles';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { signInCommand } from '../../lambdas/adapters/cognito-credential-tester';
import { customAttributeName } from '../../lambdas/contracts/cognito-attributes';
import { cycleKeys } from '../../lambdas/contracts/keys';
import { credentialsDocumentSchema, credentialsKey } from '../../lambdas/core/credentials';
import type { FakeAws, FakePool } from '../../local/in-memory-aws/fake-aws';
import { Authorizer } from '../support/authorization/authorizer';
import { unusedGrants } from '../support/authorization/least-privilege';
import {
  captureStdout,
  deployedTemplate,
  enforcingFakeAws,
  lambdaEnv,
  refusals,
  renderDefinition,
  runCycle,
  startKioStub,
  synthMint,
  useLambdaEnvironment,
} from '../support/workflow-harness';

const TOKEN_ENDPOINT = 'https://mint-example.auth.eu-central-1.amazoncognito.com/oauth2/token';
const kioApp = (id: string, active = true) => ({ id, team_id: 'team-a', name: id, active });
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

/**
 * Whole cycles with the Cognito identity store, on the in-memory AWS's user pool and token endpoint:
 * what an app gets (a user that signs in, a client that gets tokens) and the overlap of secrets.
 */
describe('the rotation cycle with the Cognito identity store', () => {
  const { template } = synthMint({ 'mint:identityStore': 'cognito' });
  const definition = renderDefinition(template);
  let aws: FakeAws;
  // One authorizer for the whole file: the last test asks whether every grant was used by some call.
  const deployed = deployedTemplate(template);
  const authorizer = new Authorizer(deployed);
  const POOL = deployed.userPoolArn()?.split('/').pop() ?? '';
  let pool: FakePool;
  let kio: Awaited<ReturnType<typeof startKioStub>>;
  let restoreStdout: () => void;
  let logged: string[];
  const cognito = new CognitoIdentityProviderClient({ region: 'eu-central-1' });

  beforeAll(async () => {
    kio = await startKioStub();
  });
  afterAll(() => kio.close());
  beforeEach(() => {
    // Every call a handler makes is evaluated against the deployed policies and refused as AWS would.
    ({ aws } = enforcingFakeAws(template, definition, authorizer));
    pool = aws.cognitoPools.addPool(POOL);
    useLambdaEnvironment({
      ...lambdaEnv(kio.url),
      MINT_BOUNDARY_ARN: undefined,
      MINT_IDENTITY_STORE: 'cognito',
      MINT_USER_POOL_ID: POOL,
      MINT_TOKEN_ENDPOINT: TOKEN_ENDPOINT,
    });
    ({ logged, restore: restoreStdout } = captureStdout());
  });
  afterEach(() => {
    restoreStdout();
    aws.restore();
    // A call the deployed policies refuse fails the test, naming function, call, resource and decision.
    expect(refusals(authorizer)).toEqual([]);
  });

  const cycle = (input: Record<string, unknown> = {}) =>
    runCycle(definition, input, { target: { fetch: aws.tokenEndpointFetch } });
  const published = (appId: string) => JSON.parse(aws.object(credentialsKey(appId)) ?? 'null');
  const clientOf = (appId: string) => {
    const client = [...pool.clients.values()].find((c) => c.name === appId);
    if (!client) throw new Error(`no client ${appId}`);
    return client;
  };
  const token = (clientId: string, secret: string) => aws.cognitoPools.issueToken(clientId, secret);
  const signIn = (doc: Record<string, string>) =>
    cognito.send(signInCommand(credentialsDocumentSchema.parse(doc)));
  const age = (appId: string, mark: string, when: string) =>
    pool.users.get(appId)?.attributes.set(customAttributeName(mark), when);

  it('gives each new app a user that signs in and a client that gets tokens, with one secret left', async () => {
    kio.setApps([kioApp('orders'), kioApp('billing')]);
    const run = await cycle();
    expect(run.status).toBe('SUCCEEDED');
    for (const appId of ['orders', 'billing']) {
      const doc = published(appId);
      const client = clientOf(appId);
      expect(doc).toMatchObject({ application_username: appId, client_id: client.clientId });
      expect(token(doc.client_id, doc.client_secret)).toMatchObject({ token_type: 'Bearer' });
      await expect(signIn(doc)).resolves.toMatchObject({ AuthenticationResult: expect.any(Object) });
      // The secret the client was created with was never published: it is gone once the new one is.
      expect(client.secrets.map((s) => s.value)).toEqual([doc.client_secret]);
      expect(pool.users.get(appId)?.status).toBe('CONFIRMED');
      expect(pool.users.get(appId)?.attributes.get('custom:mint_key_id')).toBe(client.secrets[0]?.id);
      expect(aws.object(cycleKeys.pending(appId))).toBeUndefined();
    }
    // The deployed policies were asked about each Cognito call, on the pool's ARN.
    const asked = authorizer.evaluations.map((e) => `${e.request.action} ${e.request.resource}`);
    for (const action of [
      'AdminCreateUser',
      'CreateUserPoolClient',
      'AddUserPoolClientSecret',
      'AdminSetUserPassword',
    ])
      expect(asked).toContain(`cognito-idp:${action} ${authorizer.template.userPoolArn()}`);
    // Nothing is due in the next cycle: it only lists, and writes nothing to Cognito.
    aws.calls = [];
    expect((await cycle()).status).toBe('SUCCEEDED');
    const cognitoWrites = aws.calls.filter((c) => /^(Admin(?!Get)|Create|Delete|Add)/.test(c));
    expect(cognitoWrites).toEqual([]);
    expect(aws.calls).toEqual(expect.arrayContaining(['ListUsers', 'ListUserPoolClients']));
  });

  it('rotates a due secret with overlap: both work until the grace period ends, then only the new one', async () => {
    kio.setApps([kioApp('orders')]);
    await cycle();
    const first = published('orders');
    age('orders', 'mint_key_at', daysAgo(31));
    expect((await cycle()).status).toBe('SUCCEEDED');
    const second = published('orders');
    expect(second.client_id).toBe(first.client_id);
    expect(second.client_secret).not.toBe(first.client_secret);
    expect(token(first.client_id, first.client_secret)).toMatchObject({ token_type: 'Bearer' });
    expect(token(second.client_id, second.client_secret)).toMatchObject({ token_type: 'Bearer' });
    await expect(signIn(second)).resolves.toMatchObject({ AuthenticationResult: expect.any(Object) });
    expect(clientOf('orders').secrets).toHaveLength(2);

    // The grace period (24 h by default) has passed: the next cycle retires the previous secret.
    age('orders', 'mint_key_at', daysAgo(2));
    expect((await cycle()).status).toBe('SUCCEEDED');
    expect(token(first.client_id, first.client_secret)).toEqual({ error: 'invalid_client', status: 400 });
    expect(token(second.client_id, second.client_secret)).toMatchObject({ token_type: 'Bearer' });
    expect(published('orders').client_secret).toBe(second.client_secret);
    expect(clientOf('orders').secrets).toHaveLength(1);
  });

  it('revokes the previous secret at once in an emergency rotation', async () => {
    kio.setApps([kioApp('orders')]);
    await cycle();
    await cycle({ apps: ['orders'], force: true });
    const leaked = published('orders');
    const run = await cycle({ apps: ['orders'], force: true, revokePrevious: true });
    expect(run.status).toBe('SUCCEEDED');
    const now = published('orders');
    expect(token(leaked.client_id, leaked.client_secret)).toEqual({ error: 'invalid_client', status: 400 });
    expect(token(now.client_id, now.client_secret)).toMatchObject({ token_type: 'Bearer' });
    expect(clientOf('orders').secrets).toHaveLength(1);
  });

  it('finishes a rotation whose process died after the secret was added, without a third secret', async () => {
    kio.setApps([kioApp('orders')]);
    await cycle();
    age('orders', 'mint_key_at', daysAgo(31));
    const before = published('orders');
    aws.killAt({ command: 'InitiateAuth', applied: true });
    aws.calls = [];
    await cycle();
    expect(aws.killPending).toBe(false);
    // The killed process kept its lease; once it has expired, the next cycle finishes the staged rotation.
    const stage = JSON.parse(aws.object(cycleKeys.pending('orders')) ?? '{}');
    expect(stage.rotation).toBeDefined();
    stage.lease.at = new Date(Date.now() - 20 * 60_000).toISOString();
    aws.objects.set(cycleKeys.pending('orders'), [{ body: JSON.stringify(stage), version: 99 }]);
    expect((await cycle()).status).toBe('SUCCEEDED');
    expect(aws.calls.filter((c) => c === 'AddUserPoolClientSecret')).toHaveLength(1);
    const doc = published('orders');
    expect(doc.client_secret === before.client_secret).toBe(false);
    expect(doc.client_secret === stage.rotation.document.client_secret).toBe(true);
    expect(token(doc.client_id, doc.client_secret)).toMatchObject({ token_type: 'Bearer' });
    await expect(signIn(doc)).resolves.toMatchObject({ AuthenticationResult: expect.any(Object) });
    expect(clientOf('orders').secrets.length).toBeLessThanOrEqual(2);
    expect(aws.object(cycleKeys.pending('orders'))).toBeUndefined();
  });

  it("gives a user whose client was deleted by hand a client again, and deletes an inactive app's user and client", async () => {
    kio.setApps([kioApp('orders'), kioApp('billing')]);
    await cycle();
    pool.clients.delete(clientOf('orders').clientId);
    kio.setApps([kioApp('orders'), kioApp('billing', false)]);
    expect((await cycle()).status).toBe('SUCCEEDED');
    expect(pool.users.has('billing')).toBe(false);
    expect([...pool.clients.values()].some((c) => c.name === 'billing')).toBe(false);
    expect(aws.object(credentialsKey('billing'))).toBeUndefined();
    // The repaired client has no published secret yet: the next cycle publishes one.
    expect((await cycle()).status).toBe('SUCCEEDED');
    const doc = published('orders');
    expect(doc.client_id).toBe(clientOf('orders').clientId);
    expect(token(doc.client_id, doc.client_secret)).toMatchObject({ token_type: 'Bearer' });
  });

  it('leaves alone a pool user Mint did not create, failing only that app with a message that says so', async () => {
    pool.users.set('orders', {
      username: 'orders',
      attributes: new Map([['email', 'x@example.com']]),
      status: 'CONFIRMED',
    });
    kio.setApps([kioApp('orders'), kioApp('billing')]);
    const run = await runCycle(
      definition,
      {},
      { name: 'taken-name', target: { fetch: aws.tokenEndpointFetch } },
    );
    expect(run.status).toBe('FAILED');
    const result = await readCycleResult(new S3BucketStore(new S3Client({}), 'mint-secrets'), 'taken-name');
    expect(result?.failures).toEqual([
      {
        appId: 'orders',
        step: 'create-user',
        error: expect.stringMatching(/already has a user named orders that Mint did not create/),
      },
    ]);
    expect(pool.users.get('orders')?.attributes.has('custom:mint_app')).toBe(false);
    expect(aws.object(credentialsKey('orders'))).toBeUndefined();
    expect(token(published('billing').client_id, published('billing').client_secret)).toMatchObject({
      token_type: 'Bearer',
    });
    // The client made for it is adopted by the next attempt, not made again.
    await cycle();
    expect([...pool.clients.values()].filter((c) => c.name === 'orders')).toHaveLength(1);
  });

  it('keeps every password and client secret out of state, logs and errors, failures included', async () => {
    kio.setApps([kioApp('orders'), kioApp('broken')]);
    await cycle();
    // A rotation that fails after its new secret and password exist: the sign-in test is refused.
    for (let i = 0; i < 10; i++)
      aws.failNext(
        'InitiateAuth',
        Object.assign(new Error('Incorrect username or password.'), { name: 'NotAuthorizedException' }),
        (input) => (input.AuthParameters as Record<string, string> | undefined)?.USERNAME === 'broken',
      );
    const run = await cycle({ force: true });
    const visible = JSON.stringify([run.events, run.output ?? null, String(run.error), logged]);
    expect(visible).toContain('could not sign in with the new password and secret');
    expect(aws.secretsIssued.length).toBeGreaterThan(6);
    for (const secret of aws.secretsIssued) expect(visible.includes(secret)).toBe(false);
  });

  it('uses every Cognito grant it deploys, or states why it must exist', async () => {
    // The S3 grants are exercised by the IAM store's authorization tier (authorization.test.ts).
    const report = await unusedGrants(authorizer, deployed);
    expect(report.unexplained.filter((grant) => grant.includes('cognito-idp:'))).toEqual([]);
  });
});
