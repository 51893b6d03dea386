import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { explainError } from '../../cli/errors';
import { runMint } from '../../cli/main';
import type { CycleReport } from '../../lambdas/contracts/documents';
import { cycleKeys } from '../../lambdas/contracts/keys';
import {
  bucketPolicyStatements,
  keyPolicyStatements,
  operatorPolicy,
} from '../../lambdas/core/access-policies';
import { STATUS_KEY, type StatusDocument } from '../../lambdas/core/app-status';
import type { CyclePlan } from '../../lambdas/core/cycle-plan';
import { STATE } from '../../lib/workflow-states';
import { awsError, FakeAws } from '../../local/in-memory-aws/fake-aws';
import { recordedCalls } from '../support/authorization/recorded-calls';
import { type AwsWorld, permissionsFor, type SdkCall } from '../support/authorization/sdk-permissions';
import { evaluate } from '../support/policy-sim';

const SM = 'arn:aws:states:eu-west-1:111111111111:stateMachine:MintCycle';
const execArn = (name: string) => `arn:aws:states:eu-west-1:111111111111:execution:MintCycle:${name}`;
const TARGETS = ['--state-machine-arn', SM, '--bucket', 'mint-secrets'];
const at = (minutes: number) => new Date(Date.parse('2026-11-28T12:00:00Z') + minutes * 60_000);

const none = { count: 0, names: [], truncated: false };

/** A cycle report as the Report step writes it (its contract), for a cycle in which two apps failed. */
const failedReport: CycleReport = {
  cycle: 'cycle-2',
  startedAt: at(0).toISOString(),
  finishedAt: at(1).toISOString(),
  options: { force: false, revokePrevious: false, dryRun: false },
  invalidApps: [],
  invalidAppCount: 0,
  invalidAppsTruncated: false,
  users: { created: none, deleted: none, repaired: none, held: none, unmanaged: none },
  reconcile: {
    batches: [],
    due: 3,
    toCreate: 0,
    toDelete: 0,
    failureCount: 0,
    failures: [],
    failedApps: [],
    failedAppsTruncated: false,
    ownersFailed: false,
    grants: { changed: 0, changes: [], unreadableCount: 0, unreadable: [] },
    userQuota: { users: 3, quota: 5000, percent: 0, state: 'ok' },
    dryRun: false,
    more: false,
    createsLeft: 0,
  },
  outcomes: [
    { appId: 'orders', status: 'rotated', passwordChanged: true },
    { appId: 'payments', status: 'failed', step: 'set-password', error: 'ServiceFailure: IAM is down' },
    { appId: 'billing', status: 'failed', step: 'publish', error: 'AccessDenied: s3:PutObject denied' },
  ],
};

const status: StatusDocument = {
  schemaVersion: 1,
  cycle: 'cycle-2',
  generatedAt: at(0.5).toISOString(),
  apps: [
    {
      appId: 'orders',
      userName: 'orders',
      state: 'ok',
      passwordRotatedAt: at(-60).toISOString(),
      readers: ['222222222222'],
      consecutiveFailures: 0,
    },
    {
      appId: 'payments',
      userName: 'payments',
      state: 'failing',
      readers: ['222222222222', '333333333333'],
      consecutiveFailures: 3,
      lastFailure: { at: at(-5).toISOString(), step: 'set-password', error: 'ServiceFailure: IAM is down' },
    },
    { appId: 'billing', userName: 'billing', state: 'ok', readers: [], consecutiveFailures: 0 },
  ],
};

describe('mint CLI', () => {
  let aws: FakeAws;
  let cfn: ReturnType<typeof mockClient>;
  let out: string[];
  let err: string;
  const mint = (...argv: string[]) =>
    runMint(argv, {
      out: (text) => out.push(text),
      err: (text) => {
        err += text;
      },
      interactive: false,
      env: { AWS_REGION: 'eu-west-1' },
      pollMs: 0,
      sleep: async () => {},
      now: () => at(2),
    });
  const stdout = () => out.join('\n');
  const put = (key: string, value: unknown) =>
    aws.objects.set(key, [{ body: JSON.stringify(value), version: 1 }]);
  const executions = (
    ...list: { name: string; status: string; start: number; stop?: number; redriveCount?: number }[]
  ) =>
    aws.sfn.on(ListExecutionsCommand).callsFake((input: { statusFilter?: string; maxResults?: number }) => ({
      executions: list
        .filter((e) => !input.statusFilter || e.status === input.statusFilter)
        .slice(0, input.maxResults ?? 100)
        .map((e) => ({
          name: e.name,
          executionArn: execArn(e.name),
          stateMachineArn: SM,
          status: e.status,
          startDate: at(e.start),
          ...(e.stop !== undefined ? { stopDate: at(e.stop) } : {}),
          ...(e.redriveCount ? { redriveCount: e.redriveCount } : {}),
        })),
    }));
  /** DescribeExecution answers these states in turn, then keeps answering the last one. */
  const progress = (...states: { status: string; step: string; error?: string; cause?: string }[]) => {
    let call = 0;
    aws.sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
      const state = states[Math.min(call++, states.length - 1)] ?? states[0];
      return {
        executionArn: input.executionArn,
        status: state?.status,
        startDate: at(0),
        ...(state?.status !== 'RUNNING' ? { stopDate: at(1.5) } : {}),
        ...(state?.error ? { error: state.error, cause: state.cause } : {}),
      };
    });
    let history = 0;
    aws.sfn.on(GetExecutionHistoryCommand).callsFake(() => ({
      events: [
        {
          id: 1,
          type: 'TaskStateEntered',
          timestamp: at(0),
          stateEnteredEventDetails: { name: states[Math.min(history++, states.length - 1)]?.step },
        },
      ],
    }));
  };

  beforeEach(() => {
    aws = new FakeAws();
    cfn = mockClient(CloudFormationClient);
    out = [];
    err = '';
  });
  /** Every AWS call the commands made, across all tests: evaluated as the operator's in the last test. */
  const operatorCalls: SdkCall[] = [];
  afterEach(() => {
    operatorCalls.push(
      ...recordedCalls('s3', aws.s3),
      ...recordedCalls('sfn', aws.sfn),
      ...recordedCalls('cloudformation', cfn),
    );
    aws.restore();
    cfn.restore();
  });

  describe('status', () => {
    beforeEach(() => {
      executions(
        { name: 'cycle-2', status: 'FAILED', start: 0, stop: 1 },
        { name: 'cycle-1', status: 'SUCCEEDED', start: -5, stop: -4 },
      );
      put(cycleKeys.report('cycle-2'), failedReport);
      put(STATUS_KEY, status);
    });

    it('shows a failed cycle with its two failed apps, failing apps first, and exits 1', async () => {
      expect(await mint('status', ...TARGETS)).toBe(1);
      const text = stdout();
      expect(text).toMatch(/cycle-2\s+FAILED\s+2026-11-28 12:00Z\s+1m 0s/);
      expect(text).toContain('Cycle cycle-2: 1 rotated, 2 failed');
      expect(text).toMatch(/payments\s+set-password\s+ServiceFailure: IAM is down/);
      expect(text).toMatch(/billing\s+publish\s+AccessDenied: s3:PutObject denied/);
      const rows = text.split('Apps: 3, 1 failing, 1 unreadable')[1]?.split('\n').slice(2) ?? [];
      expect(rows.map((row) => row.split(/\s+/)[0])).toEqual(['payments', 'billing', 'orders']);
      expect(rows[0]).toMatch(/^payments\s+failing\s+3\s+222222222222 \+1\s/);
      expect(rows[1]).toMatch(/^billing\s+ok\s+0\s+none\s/);
    });

    it('prints the same facts as JSON', async () => {
      expect(await mint('status', '--json', ...TARGETS)).toBe(1);
      const view = JSON.parse(stdout());
      expect(view.cycles.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
        ['cycle-2', 'FAILED'],
        ['cycle-1', 'SUCCEEDED'],
      ]);
      expect(view.latestReport.failures).toEqual([
        { appId: 'payments', step: 'set-password', error: 'ServiceFailure: IAM is down' },
        { appId: 'billing', step: 'publish', error: 'AccessDenied: s3:PutObject denied' },
      ]);
      expect(view.status).toEqual(status);
    });

    it('exits 0 when the newest cycle succeeded and no app is failing', async () => {
      executions({ name: 'cycle-3', status: 'SUCCEEDED', start: 10, stop: 11 });
      put(cycleKeys.report('cycle-3'), { ...failedReport, cycle: 'cycle-3', outcomes: [] });
      put(STATUS_KEY, { ...status, apps: status.apps.filter((a) => a.state === 'ok') });
      expect(await mint('status', ...TARGETS)).toBe(0);
      expect(stdout()).toContain('Cycle cycle-3: 0 rotated, 0 failed');
    });

    it('does not count an app its retry pass recovered', async () => {
      executions({ name: 'cycle-3', status: 'SUCCEEDED', start: 10, stop: 11 });
      put(cycleKeys.report('cycle-3'), {
        ...failedReport,
        cycle: 'cycle-3',
        outcomes: failedReport.outcomes.slice(0, 2),
        retry: { finishedAt: at(2).toISOString(), recovered: ['payments'], outcomes: [] },
      });
      put(STATUS_KEY, { ...status, apps: [] });
      expect(await mint('status', ...TARGETS)).toBe(0);
      expect(stdout()).toContain('1 rotated, 0 failed, 1 recovered by its retry pass');
    });

    it('shows one app in detail, with the latest cycle failure', async () => {
      expect(await mint('status', 'payments', ...TARGETS)).toBe(1);
      expect(stdout()).toMatch(/failures in a row: 3/);
      expect(stdout()).toMatch(
        /latest cycle:\s+cycle-2: failed at set-password\n\s+error:\s+ServiceFailure: IAM is down/,
      );
      out = [];
      expect(await mint('status', 'orders', '--json', ...TARGETS)).toBe(0);
      expect(JSON.parse(stdout())).toMatchObject({
        app: { appId: 'orders', state: 'ok' },
        latestCycle: { failure: null },
      });
    });

    it('names an unknown app and exits 2', async () => {
      expect(await mint('status', 'nope', ...TARGETS)).toBe(2);
      expect(err).toMatch(/no status for app 'nope'.*active in Kio/);
    });

    it('finds the state machine and bucket from the stack outputs', async () => {
      cfn.on(DescribeStacksCommand, { StackName: 'MintProd' }).resolves({
        Stacks: [
          {
            StackName: 'MintProd',
            CreationTime: at(-999),
            StackStatus: 'UPDATE_COMPLETE',
            Outputs: [
              { OutputKey: 'StateMachineArn', OutputValue: SM },
              { OutputKey: 'BucketName', OutputValue: 'mint-secrets' },
            ],
          },
        ],
      });
      expect(await mint('status', '--stack', 'MintProd')).toBe(1);
      expect(stdout()).toContain('Cycle cycle-2: 1 rotated, 2 failed');
      const listed = aws.sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input;
      expect(listed?.stateMachineArn).toBe(SM);
    });

    it('says what to do when the stack does not exist or credentials are missing (exit 2)', async () => {
      cfn.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id Mint does not exist'));
      expect(await mint('status')).toBe(2);
      expect(err).toMatch(/stack 'Mint' not found in eu-west-1\. Pass --stack NAME/);
      err = '';
      aws.sfn
        .on(ListExecutionsCommand)
        .rejects(awsError('ExpiredTokenException', 'The security token included in the request is expired'));
      expect(await mint('status', ...TARGETS)).toBe(2);
      expect(err).toMatch(/credentials missing or expired.*aws sso login/);
    });
  });

  describe('run', () => {
    beforeEach(() => {
      aws.sfn
        .on(StartExecutionCommand)
        .callsFake((input: { name: string }) => ({ executionArn: execArn(input.name), startDate: at(0) }));
    });
    const started = () => {
      const input = aws.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
      return { name: input?.name, input: JSON.parse(input?.input ?? 'null') };
    };

    it('starts an emergency rotation with the workflow input and returns at once', async () => {
      expect(
        await mint('run', '--app', 'orders', '--app', 'payments', '--force', '--revoke-previous', ...TARGETS),
      ).toBe(0);
      expect(started().input).toEqual({ apps: ['orders', 'payments'], force: true, revokePrevious: true });
      expect(started().name).toMatch(/^manual-2026-11-28T12-02-00-000Z$/);
      expect(stdout()).toContain(execArn(started().name ?? ''));
      expect(aws.sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
    });

    it('refuses --revoke-previous without --app before starting anything (exit 2)', async () => {
      expect(await mint('run', '--revoke-previous', ...TARGETS)).toBe(2);
      expect(err).toMatch(/name the affected apps with --app ID/);
      expect(aws.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('follows a failing run with a progress line per state, then names the failed apps (exit 1)', async () => {
      progress(
        { status: 'RUNNING', step: STATE.reconcile },
        { status: 'RUNNING', step: STATE.reconcile },
        { status: 'RUNNING', step: STATE.retryFailedApps },
        {
          status: 'FAILED',
          step: STATE.retryBatch,
          error: 'Mint.AppsFailed',
          cause: '2 app(s) still failing',
        },
      );
      aws.sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => {
        put(cycleKeys.report(input.name), { ...failedReport, cycle: input.name });
        return { executionArn: execArn(input.name), startDate: at(0) };
      });
      expect(await mint('run', '--wait', ...TARGETS)).toBe(1);
      expect(started().input).toEqual({});
      expect(err.split('\n').filter((line) => line.startsWith('RUNNING'))).toEqual([
        `RUNNING at ${STATE.reconcile} (2m 0s)`,
        `RUNNING at ${STATE.retryFailedApps} (2m 0s)`,
      ]);
      expect(stdout()).toMatch(/FAILED in 1m 30s: 1 rotated, 2 failed/);
      expect(stdout()).toMatch(/Mint.AppsFailed: 2 app\(s\) still failing/);
      expect(stdout()).toMatch(/payments\s+set-password/);
      expect(stdout()).toMatch(/'mint redrive manual-/);
    });

    it('exits 0 and prints JSON when the followed run succeeds', async () => {
      progress({ status: 'SUCCEEDED', step: STATE.done });
      expect(await mint('run', '--app', 'orders', '--wait', '--json', ...TARGETS)).toBe(0);
      expect(JSON.parse(stdout())).toMatchObject({ status: 'SUCCEEDED', cycle: started().name });
    });

    it('exits 1 when the run found another cycle running and did nothing', async () => {
      progress({ status: 'SUCCEEDED', step: STATE.skipped });
      expect(await mint('run', '--wait', ...TARGETS)).toBe(1);
      expect(err).toMatch(/did nothing: another Mint cycle was running/);
    });

    it('rejects an app id Kio could not have (exit 2)', async () => {
      expect(await mint('run', '--app', 'Not_An_Id', ...TARGETS)).toBe(2);
      expect(err).toMatch(/apps\.0: is not a Kio app id/);
    });
  });

  describe('plan', () => {
    const plan: CyclePlan = {
      createUsers: ['newapp'],
      deleteUsers: [{ appId: 'gone', userName: 'gone' }],
      repairUsers: [],
      unmanagedUsers: [],
      heldUsers: ['pierone'],
      due: [
        { appId: 'orders', work: ['password'] },
        { appId: 'payments', work: ['password', 'access-key', 'retry-failed'] },
      ],
      grantChanges: [{ appId: 'orders', from: ['222222222222'], to: ['444444444444'] }],
      unreadableApps: ['newapp'],
    };

    it('runs a dry run to the end and prints its plan as a table', async () => {
      aws.sfn.on(StartExecutionCommand).callsFake((input: { name: string; input: string }) => {
        put(cycleKeys.plan(input.name), plan);
        return { executionArn: execArn(input.name), startDate: at(0) };
      });
      progress({ status: 'SUCCEEDED', step: STATE.done });
      expect(await mint('plan', ...TARGETS)).toBe(0);
      const input = aws.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
      expect(JSON.parse(input?.input ?? '{}')).toEqual({ dryRun: true });
      expect(stdout()).toContain('Users to create (1): newapp');
      expect(stdout()).toContain('Users to delete (1): gone (gone)');
      expect(stdout()).toMatch(/Users kept, neither rotated nor deleted, .*: pierone/);
      expect(stdout()).toMatch(
        /Apps due \(2\)\nAPP\s+WORK\norders\s+password\npayments\s+password, access-key, retry-failed/,
      );
      expect(stdout()).toMatch(
        /Reader accounts to change \(1\)\nAPP\s+FROM\s+TO\norders\s+222222222222\s+444444444444/,
      );
      expect(stdout()).toContain(
        'Apps no account could read (1; add their team to _mint/owners.json): newapp',
      );

      out = [];
      expect(await mint('plan', '--json', ...TARGETS)).toBe(0);
      expect(JSON.parse(stdout()).plan).toEqual(plan);
    });

    it('says a dry run did nothing when another cycle was running (exit 1)', async () => {
      aws.sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
        executionArn: execArn(input.name),
        startDate: at(0),
      }));
      progress({ status: 'SUCCEEDED', step: STATE.skipped });
      expect(await mint('plan', ...TARGETS)).toBe(1);
      expect(err).toMatch(/did nothing: another Mint cycle was running/);
    });

    it('exits 1 when the dry run wrote no plan', async () => {
      aws.sfn
        .on(StartExecutionCommand)
        .callsFake((input: { name: string }) => ({ executionArn: execArn(input.name), startDate: at(0) }));
      progress({
        status: 'FAILED',
        step: STATE.listApps,
        error: 'Mint.KioUnusable',
        cause: 'Kio answered 503',
      });
      expect(await mint('plan', ...TARGETS)).toBe(1);
      expect(err).toMatch(/FAILED \(Mint.KioUnusable: Kio answered 503\) without writing a plan/);
    });
  });

  describe('redrive', () => {
    beforeEach(() => {
      aws.sfn.on(RedriveExecutionCommand).resolves({ redriveDate: at(2) });
    });
    const redriven = () =>
      aws.sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input.executionArn);

    it('redrives the newest failed, timed-out or aborted execution', async () => {
      executions(
        { name: 'cycle-4', status: 'SUCCEEDED', start: 20 },
        { name: 'cycle-3', status: 'TIMED_OUT', start: 10 },
        { name: 'cycle-2', status: 'FAILED', start: 0 },
      );
      expect(await mint('redrive', ...TARGETS)).toBe(0);
      expect(redriven()).toEqual([execArn('cycle-3')]);
      expect(stdout()).toContain('Redriving cycle cycle-3');
    });

    it('redrives the cycle named, follows it, and ignores the stop of the run it redrove', async () => {
      let call = 0;
      aws.sfn.on(DescribeExecutionCommand).callsFake(() => {
        call++;
        // The first read still shows the failed run (stopped before the redrive); then the redrive succeeds.
        return call === 1
          ? { status: 'FAILED', startDate: at(0), stopDate: at(1) }
          : call === 2
            ? { status: 'RUNNING', startDate: at(0) }
            : { status: 'SUCCEEDED', startDate: at(0), stopDate: at(3) };
      });
      aws.sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
      put(cycleKeys.report('cycle-2'), {
        ...failedReport,
        retry: { finishedAt: at(2).toISOString(), recovered: ['payments', 'billing'], outcomes: [] },
      });
      expect(await mint('redrive', 'cycle-2', '--wait', ...TARGETS)).toBe(0);
      expect(redriven()).toEqual([execArn('cycle-2')]);
      expect(call).toBe(3);
      expect(stdout()).toMatch(/Cycle cycle-2 SUCCEEDED in 3m 0s: 1 rotated, 0 failed/);
    });

    it('says so when nothing failed (exit 0) and explains an execution that cannot be redriven (exit 2)', async () => {
      executions({ name: 'cycle-4', status: 'SUCCEEDED', start: 20 });
      expect(await mint('redrive', ...TARGETS)).toBe(0);
      expect(stdout()).toContain('No failed, timed-out or aborted execution to redrive.');
      expect(redriven()).toEqual([]);

      aws.sfn
        .on(RedriveExecutionCommand)
        .rejects(awsError('ExecutionNotRedrivable', 'Execution is older than 14 days'));
      expect(await mint('redrive', execArn('cycle-0'), ...TARGETS)).toBe(2);
      expect(err).toMatch(
        /ExecutionNotRedrivable: Execution is older than 14 days\. Start a new cycle instead: 'mint run'/,
      );
    });
  });

  describe('waiting has a limit (--timeout)', () => {
    const MOTO = 'http://127.0.0.1:5000';
    /** The CLI on a virtual clock: each poll's sleep moves it forward, as real time would. */
    const waiting = (env: Record<string, string>, ...argv: string[]) => {
      let clock = at(2).getTime();
      return runMint(argv, {
        out: (text) => out.push(text),
        err: (text) => {
          err += text;
        },
        interactive: false,
        env: { AWS_REGION: 'eu-west-1', ...env },
        pollMs: 2000,
        sleep: async (ms) => {
          clock += ms;
          // A real turn of the event loop: a wait that never ends fails at jest's timeout, not hangs.
          await new Promise((resolve) => setImmediate(resolve));
        },
        now: () => new Date(clock),
      });
    };
    const starts = () =>
      aws.sfn
        .on(StartExecutionCommand)
        .callsFake((input: { name: string }) => ({ executionArn: execArn(input.name), startDate: at(0) }));

    it('run --wait stops at --timeout while the cycle stays RUNNING, says why and exits 3', async () => {
      starts();
      progress({ status: 'RUNNING', step: STATE.listApps }, { status: 'RUNNING', step: STATE.reconcile });
      expect(await waiting({}, 'run', '--wait', '--timeout', '15m', ...TARGETS)).toBe(3);
      expect(err).toMatch(
        /mint: cycle manual-\S+ still RUNNING at ReconcileServiceUsers after 15m 0s \(--timeout\); the cycle goes on: follow it with 'npx mint status' or in the Step Functions console\. Wait longer with --timeout/,
      );
      expect(err).not.toMatch(/moto/);
      // Polled every 2 s for 15 minutes, then no more: the execution is left running, nothing is read.
      expect(aws.sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(451);
      expect(aws.sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
      expect(stdout()).toBe('');
    });

    it('waits 30 minutes by default, and --json prints where the cycle was', async () => {
      starts();
      progress({ status: 'RUNNING', step: STATE.rotateDueApps });
      expect(await waiting({}, 'run', '--wait', '--json', ...TARGETS)).toBe(3);
      expect(err).toMatch(/still RUNNING at RotateDueApps after 30m 0s \(--timeout\)/);
      expect(JSON.parse(stdout())).toMatchObject({
        status: 'RUNNING',
        step: STATE.rotateDueApps,
        waitStopped: { afterMs: 30 * 60_000, reason: 'timeout' },
      });
    });

    it('redrive --wait stops at --timeout too', async () => {
      aws.sfn.on(RedriveExecutionCommand).resolves({ redriveDate: at(2) });
      progress({ status: 'RUNNING', step: STATE.retryFailedApps });
      expect(await waiting({}, 'redrive', 'cycle-2', '--wait', '--timeout', '90s', ...TARGETS)).toBe(3);
      expect(err).toMatch(/mint: cycle cycle-2 still RUNNING at RetryFailedApps after 1m 30s \(--timeout\)/);
    });

    it("plan against moto (a local endpoint, stuck in its first state) stops after a minute and says it is moto's", async () => {
      starts();
      // moto's canned history: a state Mint's workflow does not have, and the execution never moves.
      progress({ status: 'RUNNING', step: 'A State' });
      expect(await waiting({ AWS_ENDPOINT_URL: MOTO }, 'plan', ...TARGETS)).toBe(3);
      expect(err).toMatch(
        /mint: dry run manual-\S+ still RUNNING at A State after 1m 0s, its first state \(not a state of Mint's workflow\), against the local endpoint http:\/\/127\.0\.0\.1:5000: this is moto's Step Functions, which records executions but never runs them/,
      );
      expect(err).toContain("Run cycles with 'npm run local' instead");
      expect(aws.s3.calls()).toHaveLength(0);
    });

    it('plan stops at --timeout with where its plan will be, when it is not moto', async () => {
      starts();
      progress({ status: 'RUNNING', step: STATE.listApps });
      expect(await waiting({}, 'plan', '--timeout', '2m', ...TARGETS)).toBe(3);
      expect(err).toMatch(
        /dry run (manual-\S+) still RUNNING at ListApps after 2m 0s \(--timeout\); the dry run goes on: .*its plan will be s3:\/\/mint-secrets\/_mint\/cycles\/manual-\S+\/plan\.json/,
      );
    });

    it('a local endpoint whose execution moves on is followed to the end, not taken for moto', async () => {
      starts();
      // 38 s in StartCycle, then 80 s in ReconcileServiceUsers: past the minute, but it moved on.
      progress(
        ...Array.from({ length: 20 }, () => ({ status: 'RUNNING', step: STATE.startCycle })),
        ...Array.from({ length: 40 }, () => ({ status: 'RUNNING', step: STATE.reconcile })),
        { status: 'SUCCEEDED', step: STATE.done },
      );
      expect(await waiting({ AWS_ENDPOINT_URL: MOTO }, 'run', '--wait', ...TARGETS)).toBe(0);
      expect(stdout()).toMatch(/Cycle manual-\S+ SUCCEEDED/);
    });

    it('refuses a bad --timeout, or --timeout without --wait, before starting anything (exit 2)', async () => {
      starts();
      expect(await waiting({}, 'run', '--timeout', '15m', ...TARGETS)).toBe(2);
      expect(err).toMatch(/--timeout is how long to wait: it needs --wait with 'mint run'/);
      expect(await waiting({}, 'plan', '--timeout', 'soon', ...TARGETS)).toBe(2);
      expect(err).toMatch(/--timeout soon: expected a duration of at least 1s, such as 90s, 15m or 2h/);
      expect(await waiting({}, 'status', '--timeout', '1m', ...TARGETS)).toBe(2);
      expect(err).toMatch(/--timeout does not apply to 'mint status'/);
      expect(aws.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });
  });

  describe('access-policy', () => {
    const stackWith = (outputs: Record<string, string>) =>
      cfn.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackName: 'Mint',
            CreationTime: at(-999),
            StackStatus: 'UPDATE_COMPLETE',
            Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
      });

    it("prints the owner's identity policy from the stack outputs, for the apps named", async () => {
      stackWith({ BucketName: 'mint-secrets', KeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k-1' });
      expect(await mint('access-policy', '--app', 'orders', '--app', 'billing')).toBe(0);
      expect(JSON.parse(stdout())).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadMintCredentials',
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: [
              'arn:aws:s3:::mint-secrets/orders/credentials.json',
              'arn:aws:s3:::mint-secrets/billing/credentials.json',
            ],
          },
          {
            Sid: 'DecryptMintCredentialsThroughS3',
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: 'arn:aws:kms:eu-west-1:111111111111:key/k-1',
            Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
          },
        ],
      });
    });

    it('needs an app, and a stack with a KeyArn output (exit 2)', async () => {
      expect(await mint('access-policy', '--bucket', 'b', '--key-arn', 'arn:aws:kms:eu-west-1:1:key/k')).toBe(
        2,
      );
      expect(err).toMatch(/name the app\(s\) with --app ID/);
      stackWith({ BucketName: 'mint-secrets' });
      expect(await mint('access-policy', '--app', 'orders')).toBe(2);
      expect(err).toMatch(/stack 'Mint' has no KeyArn output.*Pass --key-arn instead/);
    });
  });

  describe('usage', () => {
    it('says how to give the region when the SDK finds none', () => {
      expect(explainError(new Error('Region is missing'))).toMatch(/--region REGION .* or set AWS_REGION/);
    });

    it('exits 2 for an unknown command, an unknown flag or a flag of another command', async () => {
      expect(await mint('rotate')).toBe(2);
      expect(err).toMatch(/unknown command 'rotate'/);
      expect(await mint('status', '--frobnicate')).toBe(2);
      expect(err).toMatch(/Unknown option '--frobnicate'/);
      expect(await mint('status', '--force', ...TARGETS)).toBe(2);
      expect(err).toMatch(/--force does not apply to 'mint status'/);
      expect(aws.sfn.calls()).toHaveLength(0);
    });

    it('prints help with exit 0 when asked, 2 when no command is given', async () => {
      expect(await mint('--help')).toBe(0);
      expect(stdout()).toMatch(/^Usage: mint <command>/);
      expect(await mint()).toBe(2);
    });
  });

  describe('the operator\'s permissions (README, "Permissions")', () => {
    const ACCOUNT = '111111111111';
    const REGION = 'eu-west-1';
    const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const oncall = `arn:aws:iam::${ACCOUNT}:role/oncall`;
    const policy = operatorPolicy({
      stateMachineArn: SM,
      bucketArn: 'arn:aws:s3:::mint-secrets',
      keyArn: KEY,
      region: REGION,
      // The tests above name two stacks, Mint and MintProd.
      stackName: 'Mint*',
      accountId: ACCOUNT,
    });
    const bucketPolicy = bucketPolicyStatements({
      bucketArn: 'arn:aws:s3:::mint-secrets',
      organizationId: 'o-mint0example',
      mintAccountId: ACCOUNT,
      mintRoleArns: [`arn:aws:iam::${ACCOUNT}:role/MintReconcile`],
    });
    const keyPolicy = [
      {
        Sid: 'KeyAdministrationByMintsAccount',
        Effect: 'Allow' as const,
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      ...keyPolicyStatements({ region: REGION, organizationId: 'o-mint0example' }),
    ];
    /** Objects the CLI reads may exist or not (no status before the first cycle): both must be allowed. */
    const worlds: AwsWorld[] = [true, false].map((exists) => ({
      account: ACCOUNT,
      region: REGION,
      bucketKeyArn: () => KEY,
      user: () => undefined,
      object: () => (exists ? { tags: {} } : undefined),
    }));

    it('allows every call mint status, run, redrive, plan and access-policy made in these tests', async () => {
      const operations = new Set(operatorCalls.map((c) => `${c.service}:${c.operation}`));
      // The tests above exercised every kind of call the CLI makes.
      expect([...operations].sort()).toEqual([
        'cloudformation:DescribeStacks',
        's3:GetObject',
        'sfn:DescribeExecution',
        'sfn:GetExecutionHistory',
        'sfn:ListExecutions',
        'sfn:RedriveExecution',
        'sfn:StartExecution',
      ]);
      const refused: string[] = [];
      const seen = new Set<string>();
      // And maintaining the owner mapping, as the README tells operators to (`aws s3 cp owners.json ...`).
      const maintain: SdkCall = {
        service: 's3',
        operation: 'PutObject',
        input: { Bucket: 'mint-secrets', Key: '_mint/owners.json', Body: '{}' },
      };
      for (const call of [...operatorCalls, maintain]) {
        for (const world of worlds) {
          for (const request of permissionsFor(call, world)) {
            const key = JSON.stringify(request);
            if (seen.has(key)) continue;
            seen.add(key);
            const decision = await evaluate({
              principal: oncall,
              action: request.action,
              resource: request.resource,
              resourceAccount: ACCOUNT,
              identityPolicy: policy,
              ...(request.action.startsWith('s3:')
                ? { resourcePolicy: bucketPolicy, blockPublicAccess: true }
                : {}),
              ...(request.action.startsWith('kms:') ? { resourcePolicy: keyPolicy } : {}),
              context: {
                'aws:PrincipalArn': oncall,
                'aws:PrincipalAccount': ACCOUNT,
                'aws:SecureTransport': 'true',
                ...request.context,
              },
            });
            if (decision !== 'Allowed')
              refused.push(`${call.operation}: ${request.action} on ${request.resource} → ${decision}`);
          }
        }
      }
      expect(refused).toEqual([]);
    });
  });
});
