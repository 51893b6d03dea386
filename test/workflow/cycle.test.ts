import * as S3 from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { readCycleResult } from '../../cli/cycles';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { cycleReportSchema } from '../../lambdas/contracts/documents';
import { cycleKeys } from '../../lambdas/contracts/keys';
import { bucketPolicyStatements } from '../../lambdas/core/access-policies';
import { type AppStatus, STATUS_KEY, type StatusDocument } from '../../lambdas/core/app-status';
import { credentialsKey } from '../../lambdas/core/credentials';
import type { CyclePlan } from '../../lambdas/core/cycle-plan';
import { OWNERS_KEY, READERS_TAG } from '../../lambdas/core/owners';
import { TAG } from '../../lambdas/core/service-users';
import { STATE } from '../../lib/workflow-states';
import { awsError, type FakeAws } from '../../local/in-memory-aws/fake-aws';
import { evaluate } from '../support/policy-sim';
import {
  captureStdout,
  enforcingFakeAws,
  lambdaEnv,
  refusals,
  renderDefinition,
  runCycle,
  startKioStub,
  synthMint,
  useLambdaEnvironment,
} from '../support/workflow-harness';

const kioApp = (id: string, active = true) => ({ id, team_id: 'team-a', name: id, active });
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const WRITES = [
  'CreateUser',
  'DeleteUser',
  'CreateAccessKey',
  'DeleteAccessKey',
  'UpdateLoginProfile',
  'CreateLoginProfile',
  'TagUser',
  'PutObject',
  'PutObjectTagging',
  'DeleteObjects',
  'DeleteObject',
];

describe('the synthesized rotation cycle, executed locally', () => {
  const { template } = synthMint();
  const definition = renderDefinition(template);
  let aws: FakeAws;
  let authorizer: ReturnType<typeof enforcingFakeAws>['authorizer'];
  let kio: Awaited<ReturnType<typeof startKioStub>>;
  let logged: string[];
  let restoreStdout: () => void;
  let environment: Record<string, string | undefined>;

  beforeAll(async () => {
    kio = await startKioStub();
  });
  afterAll(() => kio.close());
  beforeEach(() => {
    // Every call a handler makes is evaluated against the deployed policies and refused as AWS would.
    ({ aws, authorizer } = enforcingFakeAws(template, definition));
    environment = useLambdaEnvironment(lambdaEnv(kio.url));
    ({ logged, restore: restoreStdout } = captureStdout());
  });
  afterEach(() => {
    restoreStdout();
    aws.restore();
    // A call the deployed policies refuse fails the test, naming function, call, resource and decision.
    expect(refusals(authorizer)).toEqual([]);
  });

  const user = (name: string) => {
    const found = aws.users.get(name);
    if (!found) throw new Error(`no user ${name}`);
    return found;
  };
  const published = (appId: string) => JSON.parse(aws.object(credentialsKey(appId)) ?? 'null');
  const statusOf = (appId: string): AppStatus | undefined =>
    (JSON.parse(aws.object(STATUS_KEY) ?? '{"apps":[]}') as StatusDocument).apps.find(
      (a) => a.appId === appId,
    );

  it('creates a user and a credentials file for a new app', async () => {
    kio.setApps([kioApp('orders'), kioApp('billing')]);
    const run = await runCycle(definition);
    expect(run.status).toBe('SUCCEEDED');
    const user = aws.users.get('orders');
    expect(user).toMatchObject({
      path: '/mint/',
      boundary: lambdaEnv('').MINT_BOUNDARY_ARN,
      tags: { [TAG.appId]: 'orders' },
    });
    const doc = published('orders');
    expect(Object.keys(doc)).toEqual([
      'application_username',
      'application_password',
      'client_id',
      'client_secret',
    ]);
    expect(doc.application_username).toBe('orders');
    expect(doc.application_password).toBe(user?.password);
    expect(user?.keys.map((k) => [k.id, k.secret])).toEqual([[doc.client_id, doc.client_secret]]);
    // The stage (the app's lease and staged secrets) is gone once published.
    expect(aws.object('_mint/pending/orders.json')).toBeUndefined();
  });

  it('records in report.json everything Reconcile produced: users created, deleted, unmanaged', async () => {
    kio.setApps([kioApp('orders'), kioApp('billing')]);
    await runCycle(definition, {}, { name: 'first' });
    aws.addUser('hand-made', {}, '/mint/', lambdaEnv('').MINT_BOUNDARY_ARN);
    kio.setApps([kioApp('orders'), kioApp('billing', false), kioApp('search')]);
    expect((await runCycle(definition, {}, { name: 'second' })).status).toBe('SUCCEEDED');
    const report = cycleReportSchema.parse(JSON.parse(aws.object(cycleKeys.report('second')) ?? ''));
    const names = (list: { names: string[] }) => list.names;
    expect(report.users).toMatchObject({
      created: { count: 1, truncated: false },
      deleted: { count: 1, truncated: false },
      unmanaged: { count: 1, truncated: false },
    });
    expect([names(report.users.created), names(report.users.deleted), names(report.users.unmanaged)]).toEqual(
      [['search'], ['billing'], ['hand-made']],
    );
    expect(report.reconcile).toMatchObject({ toCreate: 1, toDelete: 1, dryRun: false });
  });

  it('creates more users than one Reconcile may at its IAM rate over several invocations, then rotates all', async () => {
    // 0.01 writes per second × 300 s: three creations per invocation.
    environment.MINT_IAM_WRITES_PER_SECOND = '0.01';
    const ids = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
    kio.setApps(ids.map((id) => kioApp(id)));
    const run = await runCycle(definition, {}, { name: 'big-first' });
    expect(run.status).toBe('SUCCEEDED');
    const entered = run.events
      .filter((e) => e.type === 'StateEntered')
      .map((e) => (e.state as { name: string }).name);
    expect(entered.filter((name) => name === STATE.reconcileMore)).toHaveLength(2);
    expect(ids.every((id) => published(id).application_username === id)).toBe(true);
    const report = cycleReportSchema.parse(JSON.parse(aws.object(cycleKeys.report('big-first')) ?? ''));
    expect(report.users.created).toEqual({ count: 7, names: ids, truncated: false });
    expect(report.outcomes.filter((o) => o.status === 'rotated')).toHaveLength(7);
  });

  it('does not attempt a user again in the same cycle, and stops running Reconcile again when it creates nobody', async () => {
    environment.MINT_IAM_WRITES_PER_SECOND = '0.01'; // three creations per invocation
    const ids = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
    kio.setApps(ids.map((id) => kioApp(id)));
    const refuse = (who: string[]) => {
      for (let i = 0; i < 50; i++)
        aws.failNext('CreateUser', awsError('AccessDenied', 'denied by an SCP'), (input) =>
          who.includes(String(input.UserName)),
        );
    };
    refuse(['a2']);
    const run = await runCycle(definition, {}, { name: 'one-refused' });
    const entered = (r: typeof run) =>
      r.events.filter((e) => e.type === 'StateEntered').map((e) => (e.state as { name: string }).name);
    expect(entered(run).filter((name) => name === STATE.reconcileMore)).toHaveLength(2);
    const report = cycleReportSchema.parse(JSON.parse(aws.object(cycleKeys.report('one-refused')) ?? ''));
    expect(report.users.created.count).toBe(6);
    expect(report.reconcile).toMatchObject({ failureCount: 1, failedApps: ['a2'] });

    // Every creation refused: one Reconcile, then the cycle goes on (and fails at RetryServiceUsers).
    aws.clearFailures();
    kio.setApps(['b1', 'b2', 'b3', 'b4', 'b5'].map((id) => kioApp(id)));
    refuse(['b1', 'b2', 'b3', 'b4', 'b5']);
    const stuck = await runCycle(definition, {}, { name: 'all-refused' });
    expect(entered(stuck).filter((name) => name === STATE.reconcileMore)).toHaveLength(0);
    expect(entered(stuck)).toEqual(expect.arrayContaining([STATE.report, STATE.retryServiceUsers]));
    expect(stuck.status).toBe('FAILED');
  });

  it('rotates a due app, keeps the previous key active, and leaves a not-due app untouched', async () => {
    kio.setApps([kioApp('orders'), kioApp('billing')]);
    await runCycle(definition);
    const before = published('orders');
    const billingVersions = aws.objects.get(credentialsKey('billing'))?.length;
    user('orders').tags[TAG.keyRotatedAt] = daysAgo(31);
    aws.calls = [];

    const run = await runCycle(definition);
    expect(run.status).toBe('SUCCEEDED');
    const after = published('orders');
    expect(after.client_id).not.toBe(before.client_id);
    const orders = user('orders');
    expect(orders.keys.map((k) => k.id).sort()).toEqual([before.client_id, after.client_id].sort());
    expect(orders.tags[TAG.previousKeyId]).toBe(before.client_id);
    expect(aws.objects.get(credentialsKey('billing'))?.length).toBe(billingVersions);
    expect(aws.users.get('billing')?.keys).toHaveLength(1);
  });

  it('retires the previous key once the grace period has passed', async () => {
    kio.setApps([kioApp('orders')]);
    await runCycle(definition);
    const orders = user('orders');
    orders.tags[TAG.keyRotatedAt] = daysAgo(31);
    await runCycle(definition);
    const current = published('orders').client_id;
    orders.tags[TAG.keyRotatedAt] = daysAgo(2);
    orders.tags[TAG.passwordRotatedAt] = daysAgo(0);
    await runCycle(definition);
    expect(orders.keys.map((k) => k.id)).toEqual([current]);
    expect(orders.tags[TAG.previousKeyId]).toBe('');
  });

  it('passes a cycle that fits in one batch inline, and larger cycles through batch files', async () => {
    kio.setApps([kioApp('a1'), kioApp('a2')]);
    const small = await runCycle(definition, {}, { name: 'small' });
    expect(small.status).toBe('SUCCEEDED');
    const files = (cycle: string) =>
      [...aws.objects.keys()].filter((k) => k.startsWith(`_mint/cycles/${cycle}/batches`)).sort();
    expect(files('small')).toEqual([]);
    expect(published('a1')).not.toBeNull();
    expect(JSON.parse(aws.object('_mint/cycles/small/report.json') ?? '{}').outcomes).toHaveLength(2);

    kio.setApps([kioApp('a1'), kioApp('a2'), kioApp('b1'), kioApp('b2'), kioApp('b3')]);
    const large = await runCycle(definition, {}, { name: 'large' });
    expect(large.status).toBe('SUCCEEDED');
    // Three new apps, two per batch (MINT_BATCH_SIZE=2): two batch files, each with its outcomes.
    expect(files('large')).toEqual([
      '_mint/cycles/large/batches-outcomes/00000.json',
      '_mint/cycles/large/batches-outcomes/00001.json',
      '_mint/cycles/large/batches/00000.json',
      '_mint/cycles/large/batches/00001.json',
    ]);
    expect(JSON.parse(aws.object('_mint/cycles/large/report.json') ?? '{}').outcomes).toHaveLength(3);
  });

  it('revokes a leaked credential in one execution: new key and password, previous key deleted', async () => {
    kio.setApps([kioApp('orders'), kioApp('payments')]);
    await runCycle(definition);
    // A normal forced rotation first, so that a previous key exists and is still in its grace period.
    await runCycle(definition, { apps: ['orders'], force: true });
    const leaked = published('orders');
    expect(user('orders').keys).toHaveLength(2);
    const untouched = published('payments');

    const run = await runCycle(definition, { apps: ['orders'], force: true, revokePrevious: true });
    expect(run.status).toBe('SUCCEEDED');
    const fresh = published('orders');
    expect(fresh.client_id).not.toBe(leaked.client_id);
    expect(fresh.application_password).not.toBe(leaked.application_password);
    expect(user('orders').keys.map((k) => k.id)).toEqual([fresh.client_id]);
    expect(user('orders').password).toBe(fresh.application_password);
    expect(published('payments')).toEqual(untouched);
  });

  it('costs one IAM listing and no per-app call when nothing is due', async () => {
    kio.setApps([kioApp('a1'), kioApp('a2'), kioApp('a3')]);
    await runCycle(definition);
    aws.calls = [];
    const run = await runCycle(definition);
    expect(run.status).toBe('SUCCEEDED');
    expect(aws.calls.filter((c) => c.startsWith('GetAccountAuthorizationDetails'))).toHaveLength(1);
    expect(aws.calls.filter((c) => ['ListAccessKeys', 'ListUserTags'].includes(c))).toEqual([]);
    // The reads are the cycle's own Kio snapshot, the owner mapping and the status document, whatever
    // the number of apps.
    expect(aws.calls.filter((c) => c === 'GetObject')).toEqual(['GetObject', 'GetObject', 'GetObject']);
    expect(aws.calls.filter((c) => WRITES.includes(c) && c !== 'PutObject')).toEqual([]);
    // This cycle's status shows the first cycle's rotations; the next idle cycle has nothing to add.
    const status = aws.object(STATUS_KEY);
    aws.calls = [];
    await runCycle(definition);
    expect(aws.object(STATUS_KEY)).toBe(status);
    expect(aws.calls.filter((c) => c === 'PutObject')).toHaveLength(2); // Kio snapshot, cycle report
  });

  it('deletes the user and the prefix of an app removed from Kio', async () => {
    kio.setApps([kioApp('orders'), kioApp('legacy')]);
    await runCycle(definition);
    expect(aws.object(credentialsKey('legacy'))).toBeDefined();
    kio.setApps([kioApp('orders'), kioApp('legacy', false)]);
    const run = await runCycle(definition);
    expect(run.status).toBe('SUCCEEDED');
    expect(aws.users.has('legacy')).toBe(false);
    expect([...aws.objects.keys()].filter((k) => k.startsWith('legacy/'))).toEqual([]);
    expect(aws.users.has('orders')).toBe(true);
  });

  it.each([
    ['an error status', 503, 'unavailable'],
    ['an empty body', 200, ''],
    ['a non-list body', 200, '{"message":"maintenance"}'],
  ])('deletes nothing when Kio returns %s', async (_label, status, body) => {
    kio.setApps([kioApp('orders')]);
    await runCycle(definition);
    kio.respond(status, body);
    environment.MINT_KIO_RETRIES = '0';
    const run = await runCycle(definition);
    expect(run.status).toBe('FAILED');
    expect(aws.users.has('orders')).toBe(true);
    expect(aws.object(credentialsKey('orders'))).toBeDefined();
    expect(JSON.stringify(run.events)).toMatch(/Mint.KioUnusable/);
  });

  it('serves every other app when one fails, then fails the execution at the retry Map', async () => {
    kio.setApps([kioApp('a1'), kioApp('a2'), kioApp('broken'), kioApp('a4'), kioApp('a5')]);
    for (let i = 0; i < 10; i++) {
      aws.failNext(
        'CreateAccessKey',
        awsError('ServiceFailure', 'IAM is having a bad day'),
        (input) => input.UserName === 'broken',
      );
    }
    const run = await runCycle(definition, {}, { name: 'failing-cycle' });
    expect(run.status).toBe('FAILED');
    for (const id of ['a1', 'a2', 'a4', 'a5']) expect(published(id)).not.toBeNull();
    // What `mint status` and `mint run --wait` read from this cycle's report.
    expect(
      await readCycleResult(new S3BucketStore(new S3Client({}), 'mint-secrets'), 'failing-cycle'),
    ).toEqual({
      cycle: 'failing-cycle',
      finishedAt: expect.any(String),
      rotated: 4,
      failures: [
        { appId: 'broken', step: 'create-access-key', error: expect.stringContaining('ServiceFailure') },
      ],
      recovered: [],
    });
    expect(aws.object(credentialsKey('broken'))).toBeUndefined();
    expect(aws.users.get('broken')?.keys).toHaveLength(0);
    const failedIn = run.events
      .filter((e) => e.type === 'StateFailed')
      .map((e) => (e as { state?: { name?: string } }).state?.name);
    expect(failedIn).toContain('RetryFailedApps');
    expect(JSON.stringify(run.events)).toMatch(/broken at create-access-key \(ServiceFailure/);
    // Per-cycle metrics are emitted once, although the failed app was attempted in three invocations.
    const emitted = (name: string) =>
      logged
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.includes('"_aws"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .reduce((sum, emf) => sum + (typeof emf[name] === 'number' ? (emf[name] as number) : 0), 0);
    expect(emitted('AppsFailed')).toBe(1);
    expect(emitted('AppsRotated')).toBe(4);
  });

  it('retries a failed app in the same cycle and records its recovery in the cycle report', async () => {
    kio.setApps([kioApp('a1'), kioApp('flaky'), kioApp('a3')]);
    aws.failNext(
      'CreateAccessKey',
      awsError('ServiceFailure', 'IAM hiccup'),
      (input) => input.UserName === 'flaky',
    );
    const run = await runCycle(definition, {}, { name: 'flaky-cycle' });
    expect(run.status).toBe('SUCCEEDED');
    expect(published('flaky')).not.toBeNull();
    const entered = run.events
      .filter((e) => e.type === 'StateEntered')
      .map((e) => (e.state as { name: string }).name);
    expect(entered).toEqual(expect.arrayContaining(['RetryFailedApps', 'RecordRetry', 'CycleComplete']));
    const report = JSON.parse(aws.object('_mint/cycles/flaky-cycle/report.json') ?? '{}');
    expect(report.outcomes.find((o: { appId: string }) => o.appId === 'flaky')).toMatchObject({
      status: 'failed',
      step: 'create-access-key',
    });
    expect(report.retry.recovered).toEqual(['flaky']);
    expect(report.retry.outcomes).toEqual([expect.objectContaining({ appId: 'flaky', status: 'rotated' })]);
  });

  it('recovers a failed app on the next cycle', async () => {
    kio.setApps([kioApp('a1'), kioApp('broken')]);
    // Each attempt tries the publish three times; four attempts in the first cycle.
    for (let i = 0; i < 12; i++) {
      aws.failNext(
        'PutObject',
        awsError('InternalError', 'S3 hiccup'),
        (input) => input.Key === credentialsKey('broken'),
      );
    }
    expect((await runCycle(definition)).status).toBe('FAILED');
    const broken = user('broken');
    expect(aws.object(cycleKeys.pending('broken'))).toBeDefined();
    aws.clearFailures();
    const run = await runCycle(definition);
    expect(run.status).toBe('SUCCEEDED');
    const doc = published('broken');
    expect(broken.keys.map((k) => k.id)).toEqual([doc.client_id]);
    expect(broken.password).toBe(doc.application_password);
    expect(aws.object(cycleKeys.pending('broken'))).toBeUndefined();
    // The second cycle's status counts every failed attempt of the first: its first pass, and the retry
    // pass with its two Step Functions retries.
    const during = statusOf('broken');
    expect(during).toMatchObject({ state: 'failing', consecutiveFailures: 4 });
    expect(during?.lastFailure).toMatchObject({
      step: 'publish',
      error: expect.stringContaining('InternalError'),
    });
    expect(statusOf('a1')).toMatchObject({ state: 'ok', consecutiveFailures: 0 });

    await runCycle(definition);
    expect(statusOf('broken')).toMatchObject({
      state: 'ok',
      consecutiveFailures: 0,
      lastFailure: { step: 'publish' },
    });
  });

  it('serves the other apps when a service user cannot be created, then fails naming that user', async () => {
    kio.setApps([kioApp('a1'), kioApp('stuck'), kioApp('a3')]);
    for (let i = 0; i < 10; i++) {
      aws.failNext(
        'CreateUser',
        awsError('LimitExceededException', 'Cannot exceed quota for UsersPerAccount: 5000'),
        (input) => input.UserName === 'stuck',
      );
    }
    const run = await runCycle(definition);
    expect(run.status).toBe('FAILED');
    expect(published('a1')).not.toBeNull();
    expect(published('a3')).not.toBeNull();
    expect(aws.users.has('stuck')).toBe(false);
    const failure = run.events.find((e) => e.type === 'ExecutionFailed') as {
      Error?: string;
      Cause?: string;
    };
    expect(failure.Error).toBe('Mint.ServiceUsersNotReconciled');
    expect(statusOf('stuck')).toMatchObject({
      state: 'failing',
      lastFailure: { step: 'create-user', error: expect.stringContaining('LimitExceeded') },
    });
    expect(statusOf('stuck')?.userName).toBeUndefined();
    expect(failure.Cause).toMatch(
      /^1 service user\(s\) or access grant\(s\) not reconciled: stuck \(create-user: .*LimitExceeded.*UsersPerAccount.*\)\. The next cycle retries them\.$/,
    );
  });

  it('ends at once, touching nothing, when another cycle is running', async () => {
    kio.setApps([kioApp('orders')]);
    aws.running = [
      {
        executionArn: 'arn:aws:states:eu-central-1:111111111111:execution:Mint:earlier',
        startDate: new Date(Date.now() - 60_000),
      },
    ];
    const run = await runCycle(definition);
    expect(run.status).toBe('SUCCEEDED');
    expect(aws.users.size).toBe(0);
    expect(aws.calls.filter((c) => WRITES.includes(c))).toEqual([]);
  });

  it('plans but changes nothing on a dry run', async () => {
    kio.setApps([kioApp('orders'), kioApp('legacy')]);
    await runCycle(definition);
    kio.setApps([kioApp('orders', false), kioApp('newcomer')]);
    aws.calls = [];
    aws.s3.resetHistory();
    const run = await runCycle(definition, { dryRun: true });
    expect(run.status).toBe('SUCCEEDED');
    expect(aws.calls.filter((c) => WRITES.includes(c) && c !== 'PutObject')).toEqual([]);
    const puts = aws.s3.commandCalls(S3.PutObjectCommand).map((c) => String(c.args[0].input.Key));
    expect(puts.every((key) => key.startsWith('_mint/cycles/'))).toBe(true);
    expect(aws.users.has('newcomer')).toBe(false);
    expect(aws.users.has('legacy')).toBe(true);
    const planKey = (run.output as { reconcile: { planKey: string } }).reconcile.planKey;
    expect(JSON.parse(aws.object(planKey) ?? '{}')).toEqual({
      createUsers: ['newcomer'],
      deleteUsers: expect.arrayContaining([
        { appId: 'orders', userName: 'orders' },
        { appId: 'legacy', userName: 'legacy' },
      ]),
      heldUsers: [],
      repairUsers: [],
      unmanagedUsers: [],
      due: [],
      grantChanges: [],
      unreadableApps: [],
      userQuota: { users: 2, quota: 5000, percent: 0, state: 'ok' },
    });
  });

  it('keeps every secret out of state, logs and errors', async () => {
    kio.setApps([kioApp('a1'), kioApp('a2'), kioApp('broken')]);
    await runCycle(definition);
    user('a1').tags[TAG.keyRotatedAt] = daysAgo(31);
    for (let i = 0; i < 10; i++) {
      aws.failNext('TagUser', awsError('ServiceFailure', 'boom'), (input) => input.UserName === 'broken');
    }
    user('broken').tags[TAG.passwordRotatedAt] = daysAgo(2);
    const run = await runCycle(definition, { force: true });
    const visible = JSON.stringify([run.events, run.output ?? null, String(run.error), logged]);
    expect(aws.secretsIssued.length).toBeGreaterThan(6);
    expect(logged.join('').length).toBeGreaterThan(0);
    for (const secret of aws.secretsIssued) expect(visible).not.toContain(secret);
  });

  /**
   * Owner accounts through whole cycles: the reader tags Mint writes on each credentials.json, evaluated
   * against the bucket policy Mint deploys (the infra tests check the deployed statements are these).
   */
  describe('owner accounts', () => {
    const ORG = 'o-mint0example';
    const TEAM_A_ACCOUNT = '222222222222';
    const TEAM_B_ACCOUNT = '333333333333';
    const teamApp = (id: string, team: string) => ({ id, team_id: team, name: id, active: true });
    const bucketPolicy = bucketPolicyStatements({
      bucketArn: 'arn:aws:s3:::mint-secrets',
      organizationId: ORG,
      mintAccountId: '111111111111',
      mintRoleArns: ['arn:aws:iam::111111111111:role/mint-function'],
    });
    const putOwners = (owners: unknown) =>
      aws.objects.set(OWNERS_KEY, [{ body: JSON.stringify(owners), version: 1 }]);
    /** Whether a role in `account` (allowed by its own identity policy) may read the app's current file. */
    const canRead = async (account: string, appId: string) =>
      (await evaluate({
        principal: `arn:aws:iam::${account}:role/reader`,
        action: 's3:GetObject',
        resource: `arn:aws:s3:::mint-secrets/${credentialsKey(appId)}`,
        resourceAccount: '111111111111',
        identityPolicy: {
          Version: '2012-10-17',
          Statement: [{ Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        },
        resourcePolicy: bucketPolicy,
        blockPublicAccess: true,
        context: {
          'aws:PrincipalAccount': account,
          'aws:PrincipalArn': `arn:aws:iam::${account}:role/reader`,
          'aws:PrincipalOrgID': ORG,
          'aws:SecureTransport': 'true',
          [`s3:ExistingObjectTag/${READERS_TAG}`]:
            aws.objectTags.get(credentialsKey(appId))?.[READERS_TAG] ?? '',
        },
      })) === 'Allowed';

    it('moves read access to the new team when an app changes teams: old account denied, new one allowed', async () => {
      putOwners({ teams: { 'team-a': [TEAM_A_ACCOUNT], 'team-b': [TEAM_B_ACCOUNT] } });
      kio.setApps([teamApp('orders', 'team-a'), teamApp('payments', 'team-b'), teamApp('lonely', 'team-c')]);
      expect((await runCycle(definition)).status).toBe('SUCCEEDED');
      expect([await canRead(TEAM_A_ACCOUNT, 'orders'), await canRead(TEAM_B_ACCOUNT, 'orders')]).toEqual([
        true,
        false,
      ]);
      expect([await canRead(TEAM_A_ACCOUNT, 'payments'), await canRead(TEAM_B_ACCOUNT, 'payments')]).toEqual([
        false,
        true,
      ]);
      // An app whose team has no owner account is served, and reported as unreadable.
      expect(aws.object(credentialsKey('lonely'))).toBeDefined();
      expect([await canRead(TEAM_A_ACCOUNT, 'lonely'), await canRead(TEAM_B_ACCOUNT, 'lonely')]).toEqual([
        false,
        false,
      ]);

      kio.setApps([teamApp('orders', 'team-b'), teamApp('payments', 'team-b'), teamApp('lonely', 'team-c')]);
      const dryRun = await runCycle(definition, { dryRun: true }, { name: 'dry' });
      expect(dryRun.status).toBe('SUCCEEDED');
      const plan = JSON.parse(aws.object(cycleKeys.plan('dry')) ?? '{}') as CyclePlan;
      expect(plan.grantChanges).toEqual([{ appId: 'orders', from: [TEAM_A_ACCOUNT], to: [TEAM_B_ACCOUNT] }]);
      expect(plan.unreadableApps).toEqual(['lonely']);
      expect(await canRead(TEAM_A_ACCOUNT, 'orders')).toBe(true);

      const moved = await runCycle(definition, {}, { name: 'moved' });
      expect(moved.status).toBe('SUCCEEDED');
      expect([await canRead(TEAM_A_ACCOUNT, 'orders'), await canRead(TEAM_B_ACCOUNT, 'orders')]).toEqual([
        false,
        true,
      ]);
      expect(aws.users.get('orders')?.tags[READERS_TAG]).toBe(TEAM_B_ACCOUNT);
      const report = JSON.parse(aws.object(cycleKeys.report('moved')) ?? '{}');
      expect(report.reconcile.grants).toMatchObject({
        changed: 1,
        changes: [{ appId: 'orders', from: [TEAM_A_ACCOUNT], to: [TEAM_B_ACCOUNT] }],
        unreadableCount: 1,
        unreadable: ['lonely'],
      });

      // A new version published later carries the new readers too.
      expect((await runCycle(definition, { apps: ['orders'], force: true })).status).toBe('SUCCEEDED');
      expect([await canRead(TEAM_A_ACCOUNT, 'orders'), await canRead(TEAM_B_ACCOUNT, 'orders')]).toEqual([
        false,
        true,
      ]);
      const status = JSON.parse(aws.object(STATUS_KEY) ?? '{}') as StatusDocument;
      expect(status.apps.find((a) => a.appId === 'orders')?.readers).toEqual([TEAM_B_ACCOUNT]);
    });

    it('applies an app override and revokes a team account removed from the mapping', async () => {
      putOwners({ teams: { 'team-a': [TEAM_A_ACCOUNT, TEAM_B_ACCOUNT] } });
      kio.setApps([teamApp('orders', 'team-a'), teamApp('billing', 'team-a')]);
      await runCycle(definition);
      expect(await canRead(TEAM_B_ACCOUNT, 'billing')).toBe(true);

      putOwners({ teams: { 'team-a': [TEAM_A_ACCOUNT] }, apps: { orders: [TEAM_B_ACCOUNT] } });
      expect((await runCycle(definition)).status).toBe('SUCCEEDED');
      expect([await canRead(TEAM_A_ACCOUNT, 'billing'), await canRead(TEAM_B_ACCOUNT, 'billing')]).toEqual([
        true,
        false,
      ]);
      expect([await canRead(TEAM_A_ACCOUNT, 'orders'), await canRead(TEAM_B_ACCOUNT, 'orders')]).toEqual([
        false,
        true,
      ]);
    });

    it('keeps every grant when the mapping is invalid, names the bad entry, and still rotates', async () => {
      putOwners({ teams: { 'team-a': [TEAM_A_ACCOUNT] } });
      kio.setApps([teamApp('orders', 'team-a')]);
      await runCycle(definition);
      const before = aws.object(credentialsKey('orders'));

      putOwners({ teams: { 'team-a': ['12345'] } });
      const run = await runCycle(definition, { force: true });
      expect(run.status).toBe('FAILED');
      const failure = run.events.find((e) => e.type === 'ExecutionFailed') as { Cause?: string };
      expect(failure.Cause).toMatch(
        /_mint\/owners\.json \(read-owners: .*teams\.team-a\[0\]: "12345" is not a 12-digit AWS account id \(team team-a\)/,
      );
      // Compared as a boolean: a failing assertion must not print the credentials it compares.
      expect(aws.object(credentialsKey('orders')) !== before).toBe(true);
      expect(await canRead(TEAM_A_ACCOUNT, 'orders')).toBe(true);
    });
  });
});
