import * as IAM from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { runCycle } from '../../local/engine';
import { FakeAws, type FakeAwsOptions } from '../../local/in-memory-aws/fake-aws';
import { apiClassOf, s3Prefix } from '../../local/in-memory-aws/throttling';
import { VirtualClock } from '../../local/in-memory-aws/virtual-clock';
import { startKioStub } from '../../local/kio-stub';
import { renderDefinition, synthMint } from '../../local/stack';
import { lambdaEnv } from '../support/workflow-harness';

const START = Date.UTC(2025, 0, 1);
const settle = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: Error & { $metadata?: { httpStatusCode?: number } }) =>
      `${error.name} ${error.$metadata?.httpStatusCode ?? '-'} ${error.message}`,
  );

describe('FakeAws with a clock: latency, throttling, key propagation', () => {
  let current: FakeAws | undefined;
  let clock: VirtualClock;
  const iam = new IAM.IAMClient({ region: 'eu-central-1' });
  const s3 = new S3.S3Client({ region: 'eu-central-1' });
  const fake = (options: Partial<FakeAwsOptions> = {}) => {
    clock = new VirtualClock(START);
    const created = new FakeAws({ clock, ...options });
    current = created;
    return created;
  };
  afterEach(() => {
    current?.restore();
    current = undefined;
  });

  const tag = (user: string) => iam.send(new IAM.TagUserCommand({ UserName: user, Tags: [] }));
  const put = (key: string) => s3.send(new S3.PutObjectCommand({ Bucket: 'b', Key: key, Body: 'x' }));

  it('classifies IAM operations as writes or reads by name, and S3 calls by prefix', () => {
    const classes = [
      'CreateUser',
      'TagUser',
      'UpdateLoginProfile',
      'DeleteAccessKey',
      'AttachUserPolicy',
    ].map((op) => apiClassOf('iam', op));
    expect(classes).toEqual(['iamWrite', 'iamWrite', 'iamWrite', 'iamWrite', 'iamWrite']);
    expect(
      ['GetUser', 'ListAccessKeys', 'ListUserTags', 'SimulatePrincipalPolicy'].map((op) =>
        apiClassOf('iam', op),
      ),
    ).toEqual(['iamRead', 'iamRead', 'iamRead', 'iamRead']);
    expect([apiClassOf('sts', 'GetCallerIdentity'), apiClassOf('sfn', 'ListExecutions')]).toEqual([
      'sts',
      undefined,
    ]);
    expect([
      s3Prefix({ Key: 'credentials/a.json' }),
      s3Prefix({ Prefix: '_mint/cycles/' }),
      s3Prefix({ Key: 'x' }),
    ]).toEqual(['credentials', '_mint', '']);
  });

  it('refuses the 6th immediate IAM write at 5/s (burst 5) with Throttling, and accepts again 200 ms later', async () => {
    const aws = fake({ throttle: { iamWrite: { ratePerSecond: 5, burst: 5 } } });
    aws.addUser('orders', {});
    const outcomes = await clock.run(() =>
      Promise.all(Array.from({ length: 6 }, () => settle(tag('orders')))),
    );
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'Throttling 400 Rate exceeded']);
    expect(aws.throttled).toEqual({ iamWrite: 1, iamRead: 0, sts: 0, s3: 0 });
    // Reads have their own bucket (none configured here): not refused.
    await clock.run(() => iam.send(new IAM.ListAccessKeysCommand({ UserName: 'orders' })));
    expect(await clock.run(() => clock.sleep(199).then(() => settle(tag('orders'))))).toMatch(/^Throttling/);
    expect(await clock.run(() => clock.sleep(1).then(() => settle(tag('orders'))))).toBe('ok');
    expect(aws.callsByClass).toEqual({ iamWrite: 8, iamRead: 1, sts: 0, s3: 0 });
    expect(aws.throttled.iamWrite).toBe(2);
  });

  it('throttles S3 per prefix independently, answering SlowDown (503)', async () => {
    const aws = fake({ throttle: { s3: { ratePerSecond: 2, burst: 2 } } });
    const outcomes = await clock.run(() =>
      Promise.all(['a/1', 'a/2', 'a/3', 'b/1', 'b/2', 'c'].map((key) => settle(put(key)))),
    );
    expect(outcomes).toEqual(['ok', 'ok', 'SlowDown 503 Please reduce your request rate.', 'ok', 'ok', 'ok']);
    expect(aws.throttled.s3).toBe(1);
    expect(aws.object('a/3')).toBeUndefined();
  });

  it('answers each call after the latency, on the clock', async () => {
    const aws = fake({ latencyMs: 40 });
    aws.addUser('orders', {});
    await clock.run(async () => {
      await Promise.all([tag('orders'), put('a/1')]);
      await tag('orders');
    });
    expect(clock.elapsedMs).toBe(80);
  });

  it('refuses a new access key in STS (InvalidClientTokenId) until it has propagated', async () => {
    const aws = fake({ keyPropagationMs: 5000, latencyMs: 10 });
    aws.addUser('orders', {});
    const { AccessKey } = await clock.run(() =>
      iam.send(new IAM.CreateAccessKeyCommand({ UserName: 'orders' })),
    );
    const sts = new STSClient({
      region: 'eu-central-1',
      credentials: {
        accessKeyId: String(AccessKey?.AccessKeyId),
        secretAccessKey: String(AccessKey?.SecretAccessKey),
      },
    });
    const whoAmI = () => settle(sts.send(new GetCallerIdentityCommand({})));
    expect(await clock.run(whoAmI)).toBe(
      'InvalidClientTokenId 403 The security token included in the request is invalid.',
    );
    expect(await clock.run(() => clock.sleep(4970).then(whoAmI))).toMatch(/^InvalidClientTokenId/);
    expect(await clock.run(() => clock.sleep(10).then(whoAmI))).toBe('ok');
    sts.destroy();
  });

  it('without a clock behaves as before: no latency, no throttling, no propagation delay', async () => {
    const aws = new FakeAws();
    current = aws;
    aws.addUser('orders', {});
    await Promise.all(Array.from({ length: 50 }, () => tag('orders')));
    const { AccessKey } = await iam.send(new IAM.CreateAccessKeyCommand({ UserName: 'orders' }));
    const sts = new STSClient({
      region: 'eu-central-1',
      credentials: {
        accessKeyId: String(AccessKey?.AccessKeyId),
        secretAccessKey: String(AccessKey?.SecretAccessKey),
      },
    });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(aws.users.get('orders')?.arn);
    sts.destroy();
    expect([aws.throttled, aws.callsByClass]).toEqual([
      { iamWrite: 0, iamRead: 0, sts: 0, s3: 0 },
      { iamWrite: 0, iamRead: 0, sts: 0, s3: 0 },
    ]);
  });
});

describe('a whole cycle of the synthesized definition in virtual time', () => {
  const { template } = synthMint();
  const definition = renderDefinition(template);
  const apps = Array.from({ length: 20 }, (_, i) => ({
    id: `app${i}`,
    team_id: 't',
    name: `app${i}`,
    active: true,
  }));
  let kio: Awaited<ReturnType<typeof startKioStub>>;
  let writeSpy: jest.SpyInstance;
  beforeAll(async () => {
    kio = await startKioStub(apps);
  });
  afterAll(() => kio.close());
  beforeEach(() => {
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => writeSpy.mockRestore());

  const cycle = async (macrotaskRounds?: number) => {
    const clock = new VirtualClock(START, { macrotaskRounds });
    const aws = new FakeAws({ clock, latencyMs: 40 });
    const wall = performance.now();
    try {
      const run = await clock.run(() =>
        runCycle(definition, {}, { environment: lambdaEnv(kio.url), clock, name: 'v' }),
      );
      return { run, aws, elapsed: clock.elapsedMs, wallMs: performance.now() - wall };
    } finally {
      aws.restore();
    }
  };

  it('runs 20 new apps under FakeAws(latency 40 ms): succeeds, in consistent virtual time, in seconds of wall', async () => {
    const first = await cycle();
    expect(first.run.status).toBe('SUCCEEDED');
    expect(first.wallMs).toBeLessThan(10_000);
    expect(first.aws.users.size).toBe(20);
    const invocations = first.run.invocations ?? [];
    const states = new Set(invocations.map((i) => i.state));
    expect([...states]).toEqual(expect.arrayContaining(['StartCycle', 'ListApps', 'Report']));
    // StartCycle, ListApps and Reconcile run one after another: the cycle lasts at least their calls.
    const sequential = invocations.filter((i) => !i.state.startsWith('Rotate') && i.state !== 'Report');
    const ends = sequential.map((i) => i.startedMs - START + i.durationMs);
    expect(first.elapsed).toBeGreaterThanOrEqual(Math.max(...ends));
    expect(Math.max(...ends)).toBeGreaterThanOrEqual(40 * 20);
    for (const i of invocations) expect(i.durationMs).toBeGreaterThanOrEqual(40);
    expect(Math.max(...invocations.map((i) => i.startedMs - START + i.durationMs))).toBe(first.elapsed);

    // The same cycle again, and again without setTimeout(0) hops: the same virtual timeline.
    const timeline = (c: typeof first) =>
      (c.run.invocations ?? []).map((i) => [i.state, i.startedMs, i.durationMs]);
    const again = await cycle();
    const fast = await cycle(0);
    expect([again.elapsed, fast.elapsed]).toEqual([first.elapsed, first.elapsed]);
    expect(timeline(again)).toEqual(timeline(first));
    expect(timeline(fast)).toEqual(timeline(first));
    expect(again.aws.calls.length).toBe(first.aws.calls.length);
  });
});
