import { bucketPolicyStatements } from '../../lambdas/core/access-policies';
import { STATUS_KEY, type StatusDocument } from '../../lambdas/core/app-status';
import { credentialsKey } from '../../lambdas/core/credentials';
import { cycleKeys } from '../../lambdas/core/cycle';
import type { CyclePlan } from '../../lambdas/core/cycle-plan';
import { OWNERS_KEY, READERS_TAG } from '../../lambdas/core/owners';
import { FakeAws } from '../support/fake-aws';
import { evaluate } from '../support/policy-sim';
import { lambdaEnv, renderDefinition, runCycle, startKioStub, synthMint } from '../support/workflow-harness';

const ORG = 'o-mint0example';
const TEAM_A_ACCOUNT = '222222222222';
const TEAM_B_ACCOUNT = '333333333333';
const kioApp = (id: string, team: string) => ({ id, team_id: team, name: id, active: true });

/**
 * Owner accounts through whole cycles: the reader tags Mint writes on each credentials.json, evaluated
 * against the bucket policy Mint deploys (the infra tests check the deployed statements are these).
 */
describe('owner accounts across cycles', () => {
  const definition = renderDefinition(synthMint().template);
  const bucketPolicy = bucketPolicyStatements({
    bucketArn: 'arn:aws:s3:::mint-secrets',
    organizationId: ORG,
    mintAccountId: '111111111111',
    mintRoleArns: ['arn:aws:iam::111111111111:role/mint-function'],
  });
  let aws: FakeAws;
  let kio: Awaited<ReturnType<typeof startKioStub>>;
  const savedEnv = { ...process.env };
  let writeSpy: jest.SpyInstance;

  beforeAll(async () => {
    kio = await startKioStub();
  });
  afterAll(() => kio.close());
  beforeEach(() => {
    aws = new FakeAws();
    Object.assign(process.env, lambdaEnv(kio.url));
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    writeSpy.mockRestore();
    aws.restore();
    process.env = { ...savedEnv };
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
    kio.setApps([kioApp('orders', 'team-a'), kioApp('payments', 'team-b'), kioApp('lonely', 'team-c')]);
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

    kio.setApps([kioApp('orders', 'team-b'), kioApp('payments', 'team-b'), kioApp('lonely', 'team-c')]);
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
    kio.setApps([kioApp('orders', 'team-a'), kioApp('billing', 'team-a')]);
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
    kio.setApps([kioApp('orders', 'team-a')]);
    await runCycle(definition);
    const before = aws.object(credentialsKey('orders'));

    putOwners({ teams: { 'team-a': ['12345'] } });
    const run = await runCycle(definition, { force: true });
    expect(run.status).toBe('FAILED');
    const failure = run.events.find((e) => e.type === 'ExecutionFailed') as { Cause?: string };
    expect(failure.Cause).toMatch(
      /_mint\/owners\.json \(read-owners: .*teams\.team-a\[0\]: "12345" is not a 12-digit AWS account id \(team team-a\)/,
    );
    expect(aws.object(credentialsKey('orders'))).not.toBe(before);
    expect(await canRead(TEAM_A_ACCOUNT, 'orders')).toBe(true);
  });
});
