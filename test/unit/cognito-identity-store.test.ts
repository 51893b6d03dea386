import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { S3Client } from '@aws-sdk/client-s3';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { CognitoIdentityStore } from '../../lambdas/adapters/cognito-identity-store';
import { credentialsKey } from '../../lambdas/core/credentials';
import { generatePassword } from '../../lambdas/core/password';
import { TAG } from '../../lambdas/core/service-users';
import { rotateApp } from '../../lambdas/services/rotate-app';
import { FakeAws, type FakePool } from '../../local/in-memory-aws/fake-aws';

const POOL = 'eu-central-1_MintPool1';
const H = 3_600_000;

/** What only the Cognito store does: clients beside users, adoption after an interrupted creation. */
describe('CognitoIdentityStore', () => {
  let aws: FakeAws;
  let pool: FakePool;
  let store: CognitoIdentityStore;
  beforeEach(() => {
    aws = new FakeAws();
    pool = aws.cognitoPools.addPool(POOL);
    store = new CognitoIdentityStore(new CognitoIdentityProviderClient({ region: 'eu-central-1' }), {
      userPoolId: POOL,
      scopes: ['mint/access'],
    });
  });
  afterEach(() => aws.restore());

  const clientsNamed = (name: string) => [...pool.clients.values()].filter((c) => c.name === name);

  it('creates the client first, then the user recording it, in two writes', async () => {
    aws.calls = [];
    const user = await store.createServiceUser('orders', { 'mint:readers': '222222222222' });
    expect(aws.calls).toEqual(['CreateUserPoolClient', 'AdminCreateUser']);
    expect(user.clientId).toBe(clientsNamed('orders')[0]?.clientId);
    expect(pool.users.get('orders')?.attributes.get('custom:mint_client')).toBe(user.clientId);
    expect(clientsNamed('orders')[0]).toMatchObject({
      flows: ['client_credentials'],
      scopes: ['mint/access'],
      authFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    });
  });

  it('adopts the client an interrupted creation left, instead of making a second one', async () => {
    // The user's creation fails after the client was made (a process that died there leaves the same).
    aws.failNext('AdminCreateUser', Object.assign(new Error('the process was killed'), { name: 'Killed' }));
    await expect(store.createServiceUser('orders')).rejects.toThrow();
    expect(clientsNamed('orders')).toHaveLength(1);
    await store.listServiceUsers();
    const user = await store.createServiceUser('orders');
    expect(clientsNamed('orders')).toHaveLength(1);
    expect(user.clientId).toBe(clientsNamed('orders')[0]?.clientId);
  });

  it('leaves alone a pool user of the same name that Mint did not create, and says so', async () => {
    pool.users.set('orders', { username: 'orders', attributes: new Map(), status: 'CONFIRMED' });
    await expect(store.createServiceUser('orders')).rejects.toThrow(
      /already has a user named orders that Mint did not create/,
    );
    expect(pool.users.get('orders')?.attributes.size).toBe(0);
  });

  it('keeps the client of a user created meanwhile, and deletes the one it just made', async () => {
    const first = await store.createServiceUser('orders');
    const again = await store.createServiceUser('orders');
    expect(again.clientId).toBe(first.clientId);
    expect(clientsNamed('orders').map((c) => c.clientId)).toEqual([first.clientId]);
  });

  it('does not mistake a client of the same name for a missing one', async () => {
    const user = await store.createServiceUser('orders');
    // Someone (or a retried call) made another client with the app's name.
    await store.createServiceUser('other');
    const other = clientsNamed('other')[0];
    if (other) other.name = 'orders';
    const listed = await store.listServiceUsers();
    expect(listed.find((u) => u.userName === 'orders')).toMatchObject({ clientId: user.clientId });
    expect(listed.find((u) => u.userName === 'orders')?.repairs).toBeUndefined();
  });

  it('counts app clients against the configured quota, which Cognito itself does not tell', async () => {
    await store.createServiceUser('orders');
    await store.listServiceUsers();
    await expect(store.accountUsage()).resolves.toEqual({
      users: 1,
      quota: 1000,
      resource: 'app clients per user pool',
    });
    const raised = new CognitoIdentityStore(new CognitoIdentityProviderClient({ region: 'eu-central-1' }), {
      userPoolId: POOL,
      scopes: ['mint/access'],
      clientsQuota: 5000,
    });
    await expect(raised.accountUsage()).resolves.toMatchObject({ users: 1, quota: 5000 });
  });

  it("names the README's command when the pool lacks Mint's attributes", async () => {
    pool.customAttributes.clear();
    await expect(store.createServiceUser('orders')).rejects.toThrow(
      /does not declare Mint's custom attributes .*add them once with the command in the README/,
    );
  });

  it('reads the marks again under the lease after a recent publication, so a stale listing deletes no live secret', async () => {
    const bucket = new S3BucketStore(new S3Client({}), 'mint-secrets');
    const ports = {
      identity: store,
      bucket,
      testClientSecret: async () => {},
      testSignIn: async () => {},
      generatePassword,
      now: () => new Date(),
    };
    const created = await store.createServiceUser('orders');
    const app = () => ({
      appId: 'orders',
      userName: 'orders',
      userArn: '',
      clientId: created.clientId ?? '',
    });
    const options = {
      policy: { passwordMaxAgeMs: 24 * H, accessKeyMaxAgeMs: 30 * 24 * H, previousKeyGraceMs: 24 * H },
      force: false,
      revokePrevious: false,
      executionArn: 'arn:aws:states:eu-central-1:111111111111:execution:Mint:c1',
      cycleId: 'c1',
      cycleStartedAt: new Date(Date.now() - 60_000).toISOString(),
    };
    const listed = (await store.listServiceUsers())[0]?.tags ?? {};
    await rotateApp(ports, { ...app(), tags: listed }, options);
    // A cycle listed the user before another execution rotated the app again (forced) and recorded it.
    const stale = (await store.listServiceUsers())[0]?.tags ?? {};
    await rotateApp(ports, { ...app(), tags: stale }, { ...options, force: true, cycleId: 'c2' });
    const live = JSON.parse(aws.object(credentialsKey('orders')) ?? '{}');
    // From the stale listing, the secret published at c2 looks like an orphan. The mark read under the
    // lease says it is live, and the previous one is in its grace period: nothing is deleted, the
    // forced rotation waits for revokePrevious, as the plan says.
    expect(stale[TAG.keyId]).not.toBe(pool.users.get('orders')?.attributes.get('custom:mint_key_id'));
    const outcome = await rotateApp(
      ports,
      { ...app(), tags: stale },
      // c3 began just after c2 published: c2 may have recorded its marks after c3's listing.
      { ...options, force: true, cycleId: 'c3', cycleStartedAt: new Date(Date.now() + 1).toISOString() },
    );
    expect(outcome).toMatchObject({ status: 'failed', step: 'plan' });
    expect(outcome.orphanKeysDeleted).toBeUndefined();
    const secrets = clientsNamed('orders')[0]?.secrets.map((s) => s.value) ?? [];
    expect(secrets.includes(live.client_secret)).toBe(true);
    expect(secrets).toHaveLength(2);
  });
});
