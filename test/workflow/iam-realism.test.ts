import { S3Client } from '@aws-sdk/client-s3';
import { readCycleReport } from '../../cli/cycles';
import { formatPlan } from '../../cli/plan';
import { formatRecords } from '../../cli/status';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { cycleKeys } from '../../lambdas/contracts/keys';
import type { CyclePlan } from '../../lambdas/core/cycle-plan';
import { runCycle, workflowTier } from '../support/workflow-harness';

/**
 * Issue 13, cases 9, 10 and 11: what real AWS and a real Kio do that no test had met. Runs on the
 * enforcing double, so every call these paths add is also proven allowed by the deployed policies.
 */
const kioApp = (id: string, active = true) => ({ id, team_id: 'team-a', name: id, active });

describe('real IAM and Kio behaviour, in the synthesized cycle', () => {
  const tier = workflowTier();
  const { definition } = tier;

  const failure = (run: Awaited<ReturnType<typeof runCycle>>) =>
    run.events.find((e) => e.type === 'ExecutionFailed') as { Error?: string; Cause?: string } | undefined;

  describe("Kio's Retry-After (case 11)", () => {
    it('fails ListApps fast with Mint.KioUnusable naming the Retry-After that outlasts its time budget', async () => {
      tier.kio.setApps([kioApp('orders')]);
      expect((await runCycle(definition)).status).toBe('SUCCEEDED');
      // The local engine gives each function 60 s; Kio asks for 90.
      tier.kio.respond(429, '{"message":"slow down"}', { 'retry-after': '90' });
      const started = Date.now();
      const run = await runCycle(definition);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.status).toBe('FAILED');
      expect(failure(run)).toMatchObject({
        Error: 'Mint.KioUnusable',
        Cause: expect.stringMatching(/HTTP 429 with Retry-After: 90 .*ListApps has left \(50 s\)/),
      });
      expect(tier.aws.users.has('orders')).toBe(true);
    });
  });

  describe('deleting a user IAM would refuse to delete (case 9)', () => {
    it("removes what was hung on a removed app's user; a group member is reported, not deleted, until freed", async () => {
      tier.kio.setApps([kioApp('orders'), kioApp('legacy'), kioApp('grouped')]);
      expect((await runCycle(definition)).status).toBe('SUCCEEDED');
      for (const name of ['legacy', 'grouped']) {
        Object.assign(tier.aws.users.get(name) ?? {}, {
          attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
          inlinePolicies: ['debugging'],
          mfaDevices: [`arn:aws:iam::111111111111:mfa/${name}`],
          sshPublicKeys: ['APKA1'],
        });
      }
      const grouped = tier.aws.users.get('grouped');
      grouped?.groups.push('Admins');

      tier.kio.setApps([kioApp('orders')]);
      const run = await runCycle(definition, {}, { name: 'removal' });
      expect(tier.aws.users.has('legacy')).toBe(false);
      expect(tier.aws.users.get('grouped')).toMatchObject({
        groups: ['Admins'],
        attachedPolicies: [],
        keys: [],
      });
      expect(run.status).toBe('FAILED');
      expect(failure(run)).toMatchObject({
        Error: 'Mint.ServiceUsersNotReconciled',
        Cause: expect.stringMatching(
          /grouped \(delete-user: Mint.UserNotDeleted: .*group\(s\) Admins.*--group-name Admins\)/,
        ),
      });

      // Once someone takes it out of the group, the next cycle deletes it.
      if (grouped) grouped.groups = [];
      expect((await runCycle(definition)).status).toBe('SUCCEEDED');
      expect(tier.aws.users.has('grouped')).toBe(false);
    });
  });

  describe("IAM's users-per-account quota (case 10)", () => {
    const emitted = () => tier.logged.join('');
    const report = (cycle: string) => JSON.parse(tier.aws.object(cycleKeys.report(cycle)) ?? 'null');
    const fill = (count: number) => {
      for (let i = 0; i < count; i++) tier.aws.addUser(`person-${i}`, {}, '/people/');
    };

    it('warns from 90 %: in the report (mint status), the plan (mint plan) and a metric', async () => {
      fill(4600);
      tier.kio.setApps([kioApp('orders')]);
      expect((await runCycle(definition, {}, { name: 'near' })).status).toBe('SUCCEEDED');
      const quota = report('near').reconcile.userQuota;
      expect(quota).toMatchObject({ users: 4600, quota: 5000, percent: 92, state: 'warning' });
      expect(quota.warning).toMatch(/IAM users per account \(5,000\) nearly reached: 4,600 of 5,000 users/);
      expect(emitted()).toMatch(/"IamUserQuotaUsedPercent":92/);
      const records = await readCycleReport(new S3BucketStore(new S3Client({}), 'mint-secrets'), 'near');
      expect(formatRecords(records?.records ?? { invalidApps: 0 })).toMatch(/nearly reached/);

      const dry = await runCycle(definition, { dryRun: true }, { name: 'plan' });
      const plan = JSON.parse(tier.aws.object(cycleKeys.plan('plan')) ?? 'null') as CyclePlan;
      expect(dry.status).toBe('SUCCEEDED');
      expect(formatPlan(plan)).toMatch(
        /IAM users per account \(5,000\) nearly reached.*Remove unused IAM users/,
      );
    });

    it("costs no call below 90 % of the default quota: the listing's own count is enough", async () => {
      fill(100);
      tier.kio.setApps([kioApp('orders')]);
      expect((await runCycle(definition, {}, { name: 'far' })).status).toBe('SUCCEEDED');
      expect(tier.aws.calls).not.toContain('GetAccountSummary');
      expect(report('far').reconcile.userQuota).toMatchObject({ users: 100, quota: 5000, state: 'ok' });
    });

    it('at the quota, names it and what to do for each app that gets no user', async () => {
      fill(4999);
      tier.kio.setApps([kioApp('orders'), kioApp('payments')]);
      const run = await runCycle(definition, {}, { name: 'full' });
      expect(tier.aws.users.has('orders') !== tier.aws.users.has('payments')).toBe(true);
      expect(run.status).toBe('FAILED');
      expect(failure(run)).toMatchObject({
        Error: 'Mint.ServiceUsersNotReconciled',
        Cause: expect.stringMatching(
          /create-user: Mint.UserQuotaReached: IAM users per account \(5,000\) reached \(IAM: LimitExceeded: Cannot exceed quota for UsersPerAccount: 5000\)\. Remove unused IAM users.*quota increase/,
        ),
      });
      const next = await runCycle(definition, {}, { name: 'still-full' });
      expect(next.status).toBe('FAILED');
      expect(report('still-full').reconcile.userQuota).toMatchObject({ users: 5000, state: 'full' });
      expect(report('still-full').reconcile.userQuota.warning).toMatch(
        /reached: 5,000 of 5,000 users \(100 %\)/,
      );
    });
  });
});
