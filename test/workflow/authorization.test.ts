import { credentialsKey, cycleKeys, OWNERS_KEY, STATUS_KEY } from '../../lambdas/contracts/keys';
import { ownerReadPolicy } from '../../lambdas/core/access-policies';
import { TAG } from '../../lambdas/core/service-users';
import { STATE } from '../../lib/workflow-states';
import { LOCAL_STATE_MACHINE_ARN } from '../../local/engine';
import { awsError, type FakeAws } from '../../local/in-memory-aws/fake-aws';
import { loadCredentials } from '../../packages/agent/src/credentials';
import { Authorizer } from '../support/authorization/authorizer';
import { unusedGrants } from '../support/authorization/least-privilege';
import { MUST_NEVER } from '../support/authorization/must-never';
import { recordedCalls } from '../support/authorization/recorded-calls';
import { type PermissionRequest, permissionsFor } from '../support/authorization/sdk-permissions';
import { taskFunctions } from '../support/authorization/template-policies';
import {
  deployedTemplate,
  enforcingFakeAws,
  fakeAwsWorld,
  lambdaEnv,
  refusals,
  renderDefinition,
  runCycle,
  startKioStub,
  synthMint,
  useLambdaEnvironment,
} from '../support/workflow-harness';

/**
 * The authorization tier: every AWS call each function makes in these scenarios is evaluated, as the
 * function's role, against the synthesized template's policies (role, bucket, key) with iam-simulate,
 * and refused as AWS would refuse it. Then: every grant is used by some call or has a stated reason,
 * nothing on the must-never list is allowed, and the other principals Mint deploys or documents can
 * do what their calls need. (The other workflow tests run on the same enforcing double.)
 */

const ORG = 'o-mint0example';
const KIO_TOKEN_SECRET = 'mint/kio-token';
const OWNER = '222222222222';
const kioApp = (id: string, active = true, team = 'team-a') => ({ id, team_id: team, name: id, active });
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

describe('authorization: every call allowed by what Mint deploys, and nothing more', () => {
  const { template } = synthMint({
    'mint:kioTokenSecretName': KIO_TOKEN_SECRET,
    'mint:ownerOrganizationId': ORG,
  });
  const definition = renderDefinition(template);
  const deployed = deployedTemplate(template);
  const authorizer = new Authorizer(deployed, { organizationId: ORG });
  let aws: FakeAws;
  let kio: Awaited<ReturnType<typeof startKioStub>>;
  let writeSpy: jest.SpyInstance;
  let environment: Record<string, string | undefined>;
  let refusedBefore = 0;

  beforeAll(async () => {
    kio = await startKioStub();
  });
  afterAll(() => kio.close());
  beforeEach(() => {
    aws = enforcingFakeAws(template, definition, authorizer).aws;
    aws.secretValues.set(KIO_TOKEN_SECRET, 'kio-bearer-token');
    aws.objects.set(OWNERS_KEY, [
      { body: JSON.stringify({ teams: { 'team-a': [OWNER] }, apps: {} }), version: 1 },
    ]);
    environment = useLambdaEnvironment({ ...lambdaEnv(kio.url), MINT_KIO_TOKEN_SECRET: KIO_TOKEN_SECRET });
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    refusedBefore = refusals(authorizer).length;
  });
  afterEach(() => {
    writeSpy.mockRestore();
    aws.restore();
  });

  /** Each scenario must end with no refused call: a refusal names the function, call, resource and decision. */
  const expectNoRefusals = () => expect(refusals(authorizer).slice(refusedBefore)).toEqual([]);
  const user = (name: string) => {
    const found = aws.users.get(name);
    if (!found) throw new Error(`no user ${name}`);
    return found;
  };

  it('first cycle: creates users with tags and boundary, stages, publishes with the reader tag', async () => {
    kio.setApps([kioApp('orders'), kioApp('billing')]);
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    expectNoRefusals();
    expect(aws.object(credentialsKey('orders'))).toBeDefined();
  });

  it('idle cycle, due rotation, retirement of the previous key, and an emergency rotation', async () => {
    kio.setApps([kioApp('orders'), kioApp('billing')]);
    await runCycle(definition);
    await runCycle(definition);
    user('orders').tags[TAG.keyRotatedAt] = daysAgo(31);
    user('orders').tags[TAG.passwordRotatedAt] = daysAgo(2);
    await runCycle(definition);
    user('orders').tags[TAG.keyRotatedAt] = daysAgo(2);
    await runCycle(definition);
    expect(user('orders').keys).toHaveLength(1);
    const run = await runCycle(definition, { apps: ['billing'], force: true, revokePrevious: true });
    expect(run.status).toBe('SUCCEEDED');
    expectNoRefusals();
  });

  it('failures, the retry pass, and the next cycle resuming a crashed rotation', async () => {
    kio.setApps([kioApp('orders'), kioApp('flaky')]);
    for (let i = 0; i < 3; i++)
      aws.failNext('CreateAccessKey', awsError('ServiceFailure'), (input) => input.UserName === 'flaky');
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    // A crash after staging: the mark and the stage are there, the key was never published.
    user('orders').tags[TAG.keyRotatedAt] = daysAgo(31);
    user('orders').tags[TAG.passwordRotatedAt] = daysAgo(2);
    for (let i = 0; i < 10; i++) aws.failNext('UpdateLoginProfile', awsError('ServiceFailure'));
    expect((await runCycle(definition)).status).toBe('FAILED');
    aws.clearFailures();
    expect(aws.object(cycleKeys.pending('orders'))).toBeDefined();
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    expect(aws.object(cycleKeys.pending('orders'))).toBeUndefined();
    expectNoRefusals();
  });

  it('dry run, boundary repair, owner change, and deletion of removed apps (every version, and what was hung on the user)', async () => {
    kio.setApps([kioApp('orders'), kioApp('legacy'), kioApp('moved')]);
    await runCycle(definition);
    expect((await runCycle(definition, { dryRun: true })).status).toBe('SUCCEEDED');
    user('orders').boundary = 'arn:aws:iam::111111111111:policy/something-else';
    aws.objects.set(cycleKeys.pending('legacy'), [{ body: '{}', version: 1 }]);
    // Hung on by hand: IAM refuses DeleteUser (DeleteConflict) until each is gone.
    Object.assign(user('legacy'), {
      attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      inlinePolicies: ['debugging'],
      mfaDevices: ['arn:aws:iam::111111111111:mfa/legacy'],
      signingCertificates: ['CERT1'],
      sshPublicKeys: ['APKA1'],
      serviceCredentials: ['ACCA1'],
    });
    kio.setApps([kioApp('orders'), kioApp('legacy', false), kioApp('moved', true, 'team-b')]);
    aws.objects.set(OWNERS_KEY, [
      {
        body: JSON.stringify({ teams: { 'team-a': [OWNER], 'team-b': ['333333333333'] }, apps: {} }),
        version: 2,
      },
    ]);
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    expect(aws.users.has('legacy')).toBe(false);
    expect(aws.object(credentialsKey('legacy'))).toBeUndefined();
    expect(aws.object(cycleKeys.pending('legacy'))).toBeUndefined();
    expect(user('orders').boundary).toBe(lambdaEnv('').MINT_BOUNDARY_ARN);
    expect(aws.objectTags.get(credentialsKey('moved'))).toEqual({ 'mint:readers': '333333333333' });
    expectNoRefusals();
  });

  it('the deletion cap, a Kio outage, and a first cycle without owner mapping or status', async () => {
    aws.objects.delete(OWNERS_KEY);
    const many = Array.from({ length: 12 }, (_, i) => kioApp(`app-${String(i).padStart(2, '0')}`));
    kio.setApps(many);
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    kio.setApps([]);
    environment.MINT_KIO_RETRIES = '0';
    expect((await runCycle(definition)).status).toBe('FAILED');
    kio.setApps([kioApp('app-00')]);
    const capped = await runCycle(definition);
    expect(JSON.stringify(capped.events)).toMatch(/Mint.DeletionsBlocked/);
    expect(aws.users.size).toBe(12);
    expectNoRefusals();
  });

  it("near IAM's users-per-account quota: reads the account's real quota, and still serves every app", async () => {
    // People and other tools count against the same account quota as Mint's users.
    for (let i = 0; i < 4500; i++) aws.addUser(`person-${i}`, {}, '/people/');
    kio.setApps([kioApp('orders')]);
    expect((await runCycle(definition)).status).toBe('SUCCEEDED');
    expect(aws.calls).toContain('GetAccountSummary');
    expectNoRefusals();
  });

  describe('least privilege', () => {
    it('uses every grant, or states why it must exist', async () => {
      const report = await unusedGrants(authorizer, deployed);
      // Printed on every run (jest's console, which the quiet environment leaves alone).
      console.log(
        `authorization tier: ${report.calls} AWS calls evaluated as ${report.requests} authorizations; ` +
          `${report.used.length} (function, action, resource pattern) grants exercised, ` +
          `${report.explained.length} explained without a call`,
      );
      expect(report.unexplained).toEqual([]);
    });

    it.each(MUST_NEVER.map((rule) => [rule.what, rule] as const))('never: %s', async (_what, rule) => {
      for (const fn of new Set(Object.values(taskFunctions(definition)))) {
        const name = fn.replace(/^Rotation|Fn[0-9A-F]+$/g, '');
        if (rule.appliesTo && !rule.appliesTo.includes(name)) continue;
        const roleId = deployed.functionRole(fn);
        const allowedTo = rule.except?.includes(name) ?? false;
        for (const request of rule.requests(deployed)) {
          const decision = await authorizer.decide(roleId, request);
          const label = `${fn} ${request.action} ${request.resource}`;
          if (allowedTo) expect(`${label}: ${decision}`).toBe(`${label}: Allowed`);
          else expect(`${label}: ${decision}`).not.toBe(`${label}: Allowed`);
        }
      }
    });
  });

  describe('the other principals', () => {
    it('the state machine role invokes exactly the functions of its Task states', async () => {
      const roleId = deployed.stateMachineRole();
      for (const [state, fn] of Object.entries(taskFunctions(definition))) {
        const request: PermissionRequest = {
          action: 'lambda:InvokeFunction',
          resource: `arn:aws:lambda:${deployed.names.region}:${deployed.names.account}:function:${fn}`,
          context: {},
        };
        expect(`${state}: ${await authorizer.decide(roleId, request)}`).toBe(`${state}: Allowed`);
      }
      const other = {
        action: 'lambda:InvokeFunction',
        resource: `arn:aws:lambda:${deployed.names.region}:${deployed.names.account}:function:SomethingElse`,
        context: {},
      };
      expect(await authorizer.decide(roleId, other)).not.toBe('Allowed');
    });

    it("an owner account's role, built as MintCredentialsReader builds it, can make mint-agent's calls", async () => {
      kio.setApps([kioApp('orders'), kioApp('payments', true, 'team-b')]);
      expect((await runCycle(definition)).status).toBe('SUCCEEDED');
      const before = aws.s3.calls().length;
      const loaded = await loadCredentials({
        bucket: lambdaEnv('').MINT_BUCKET,
        appId: 'orders',
        region: 'eu-central-1',
      });
      expect(loaded?.document.application_username).toBe('orders');
      const agentCalls = recordedCalls('s3', aws.s3).slice(before);
      expect(agentCalls.map((c) => c.operation)).toEqual(['GetObject']);
      const keyArn = deployed.bucketKeyArn(lambdaEnv('').MINT_BUCKET) ?? '';
      const owner = (account: string) => ({
        roleId: 'orders-reader',
        roleArn: `arn:aws:iam::${account}:role/orders-reader`,
        account,
        statements: ownerReadPolicy({
          bucketName: lambdaEnv('').MINT_BUCKET,
          keyArn,
          region: 'eu-central-1',
          appIds: ['orders'],
        }).Statement,
      });
      const world = fakeAwsWorld(aws, deployed);
      for (const call of agentCalls) {
        for (const request of permissionsFor(call, world)) {
          expect(`${request.action}: ${await authorizer.decideFor(owner(OWNER), request)}`).toBe(
            `${request.action}: Allowed`,
          );
          // The same role in an account that does not own the app is refused the object. (The key lets
          // the organization decrypt through S3: which object is the bucket policy's decision.)
          if (request.action.startsWith('s3:'))
            expect(await authorizer.decideFor(owner('333333333333'), request)).not.toBe('Allowed');
        }
      }
    });

    it('the schedule starts the cycle and nothing else', async () => {
      const [roleId] = deployed.rolesTrusting('events.amazonaws.com');
      if (!roleId) throw new Error('no schedule role');
      const start = { action: 'states:StartExecution', resource: LOCAL_STATE_MACHINE_ARN, context: {} };
      expect(await authorizer.decide(roleId, start)).toBe('Allowed');
      const remove = { ...start, action: 'states:DeleteStateMachine' };
      expect(await authorizer.decide(roleId, remove)).not.toBe('Allowed');
    });
  });

  it("catches a removed grant: a cycle without Reconcile's status grant is refused by name", async () => {
    const json = template.toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const withoutStatusGrant = structuredClone(json);
    for (const resource of Object.values(withoutStatusGrant.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = resource.Properties.PolicyDocument as { Statement: { Sid?: string }[] };
      document.Statement = document.Statement.filter((s) => s.Sid !== 'ReadAndWriteStatus');
    }
    const broken = new Authorizer(deployedTemplate(withoutStatusGrant), { organizationId: ORG });
    aws.restore();
    aws = enforcingFakeAws(template, definition, broken).aws;
    aws.secretValues.set(KIO_TOKEN_SECRET, 'kio-bearer-token');
    kio.setApps([kioApp('orders')]);
    const run = await runCycle(definition);
    expect(run.status).toBe('FAILED');
    // What the issue saw on AWS: without the grant no cycle gets past ReconcileServiceUsers. (The read
    // is refused first, and a refused read now fails the step instead of passing for a missing document.)
    expect(refusals(broken)).toEqual([
      `${STATE.reconcile} s3:GetObject ${STATUS_KEY}: s3:GetObject on arn:aws:s3:::mint-secrets/${STATUS_KEY} → ImplicitlyDenied`,
    ]);
    const failed = run.events.find((e) => e.type === 'ExecutionFailed') as { Error?: string; Cause?: string };
    expect(failed.Error).toBe('AccessDenied');
    expect(failed.Cause).toMatch(
      /\(ReconcileServiceUsers\) is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::mint-secrets\/_mint\/status.json \(s3:GetObject _mint\/status.json\)/,
    );
  });
});
