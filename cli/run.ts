import { ListExecutionsCommand, RedriveExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { cycleKeys } from '../lambdas/core/cycle';
import type { CyclePlan } from '../lambdas/core/cycle-plan';
import { parseRunInput, type RunOptions } from '../lambdas/core/run-input';
import { STATE } from '../lib/workflow-states';
import { type CliContext, printJson } from './context';
import { describeExecution, type ExecutionState, readCycleResult, readPlan, UNSUCCESSFUL } from './cycles';
import { CliError, CycleSkippedError, EXIT } from './errors';
import { formatDuration, renderTable } from './table';
import { executionArn } from './targets';

export interface RunRequest {
  apps?: string[];
  force: boolean;
  revokePrevious: boolean;
  dryRun: boolean;
}

/** The execution input the state machine expects (DESIGN.md "Manual runs"), validated before it is sent. */
export function runInput(request: RunRequest): RunOptions {
  try {
    return parseRunInput({
      ...(request.apps && request.apps.length > 0 ? { apps: request.apps } : {}),
      ...(request.force ? { force: true } : {}),
      ...(request.revokePrevious ? { revokePrevious: true } : {}),
      ...(request.dryRun ? { dryRun: true } : {}),
    });
  } catch (error) {
    throw new CliError(
      (error as Error).message
        .replace('"revokePrevious"', '--revoke-previous')
        .replace('name the affected apps with "apps": ["app-id"]', 'name the affected apps with --app ID'),
    );
  }
}

/** Starts one cycle; returns its ARN and name (the cycle id). */
async function start(ctx: CliContext, input: RunOptions): Promise<{ arn: string; id: string }> {
  const manual = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== false));
  const id = `manual-${ctx.now().toISOString().replace(/[:.]/g, '-')}`;
  const started = await ctx.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: ctx.targets.stateMachineArn,
      name: id,
      input: JSON.stringify(manual),
    }),
  );
  if (!started.executionArn) throw new Error('StartExecution returned no executionArn');
  return { arn: started.executionArn, id };
}

/**
 * How long a local endpoint's execution may sit in the first state it was seen in before the wait
 * stops: Mint's first states take about a second, while moto records an execution and never runs it.
 */
export const LOCAL_STUCK_MS = 60_000;

const MINT_STATES: ReadonlySet<string> = new Set(Object.values(STATE));

/** Where a followed execution was when the wait stopped, and why. */
export interface FollowResult {
  state: ExecutionState;
  /** Set when the wait ended before the execution did: at the timeout, or on moto (never runs it). */
  stopped?: { waitedMs: number; onMoto: boolean };
}

/**
 * Polls the execution until it stops, with a progress line on stderr: redrawn in place on a terminal,
 * one line per new state otherwise (CI logs). Gives up after `ctx.timeoutMs`, or after
 * LOCAL_STUCK_MS when a local endpoint's execution never leaves its first state (moto's).
 */
export async function follow(ctx: CliContext, arn: string, redrivenAt?: Date): Promise<FollowResult> {
  let shown = '';
  const began = ctx.now().getTime();
  let firstStep: string | undefined;
  let left = false;
  for (let poll = 0; ; poll++) {
    const state = await describeExecution(ctx.sfn, arn);
    // Right after a redrive, a read may still return the stop of the run being redriven.
    const stale = redrivenAt !== undefined && state.stoppedAt !== undefined && state.stoppedAt < redrivenAt;
    const elapsed = state.startedAt ? formatDuration(ctx.now().getTime() - state.startedAt.getTime()) : '';
    const line = `${state.status}${state.step ? ` at ${state.step}` : ''}${elapsed ? ` (${elapsed})` : ''}`;
    if (!stale && state.status !== 'RUNNING' && state.status !== 'PENDING_REDRIVE') {
      if (ctx.interactive && shown) ctx.err('\n');
      return { state };
    }
    if (poll === 0) firstStep = state.step;
    else if (state.step !== firstStep) left = true;
    if (ctx.interactive) ctx.err(`\r${line.padEnd(shown.length)}`);
    else if (!shown.startsWith(`${state.status}${state.step ? ` at ${state.step}` : ''}`))
      ctx.err(`${line}\n`);
    shown = line;
    const waitedMs = ctx.now().getTime() - began;
    const onMoto = ctx.localEndpoint !== undefined && !left && state.status === 'RUNNING';
    if (waitedMs >= ctx.timeoutMs || (onMoto && waitedMs >= LOCAL_STUCK_MS)) {
      if (ctx.interactive) ctx.err('\n');
      return { state, stopped: { waitedMs, onMoto } };
    }
    await ctx.sleep(Math.min(ctx.pollMs, ctx.timeoutMs - waitedMs));
  }
}

/**
 * The wait ended, the execution did not: says where it is, why the CLI stopped and how to follow it,
 * and exits EXIT.waitTimedOut (3), so a script can tell "still running" from a failure.
 */
function stoppedWaiting(
  ctx: CliContext,
  what: 'cycle' | 'dry run',
  id: string,
  arn: string,
  state: ExecutionState,
  stopped: { waitedMs: number; onMoto: boolean },
): number {
  const where = `${what} ${id} still ${state.status}${state.step ? ` at ${state.step}` : ''} after ${formatDuration(stopped.waitedMs)}`;
  const message = stopped.onMoto
    ? `${where}, its first state${
        state.step && !MINT_STATES.has(state.step) ? ` (not a state of Mint's workflow)` : ''
      }, against the local endpoint ${ctx.localEndpoint}: this is moto's Step Functions, which records executions but never runs them, so the wait stopped. Run cycles with 'npm run local' instead; 'npx mint status' works against its moto.`
    : `${where} (--timeout); the ${what} goes on: follow it with 'npx mint status' or in the Step Functions console${
        what === 'dry run' ? `; its plan will be s3://${ctx.bucket.bucket}/${cycleKeys.plan(id)}` : ''
      }. Wait longer with --timeout, such as --timeout 1h.`;
  if (ctx.json) {
    printJson(ctx, {
      cycle: id,
      executionArn: arn,
      status: state.status,
      ...(state.step ? { step: state.step } : {}),
      waitStopped: { afterMs: stopped.waitedMs, reason: stopped.onMoto ? 'moto' : 'timeout' },
    });
  }
  ctx.err(`mint: ${message}\n`);
  return EXIT.waitTimedOut;
}

/** A cycle that found another one running ends at once, successfully, having done nothing. */
function assertNotSkipped(id: string, state: ExecutionState): void {
  if (state.status === 'SUCCEEDED' && state.step === STATE.skipped) {
    throw new CycleSkippedError(
      `cycle ${id} did nothing: another Mint cycle was running. Retry when 'mint status' shows none running.`,
    );
  }
}

async function finish(ctx: CliContext, id: string, arn: string, state: ExecutionState): Promise<number> {
  assertNotSkipped(id, state);
  const result = await readCycleResult(ctx.bucket, id);
  const summary = {
    cycle: id,
    executionArn: arn,
    status: state.status,
    ...(state.error ? { error: state.error, cause: state.cause } : {}),
    ...(result ? { rotated: result.rotated, failures: result.failures, recovered: result.recovered } : {}),
  };
  if (ctx.json) {
    printJson(ctx, summary);
  } else {
    const took =
      state.startedAt && state.stoppedAt
        ? ` in ${formatDuration(state.stoppedAt.getTime() - state.startedAt.getTime())}`
        : '';
    ctx.out(
      `Cycle ${id} ${state.status}${took}${result ? `: ${result.rotated} rotated, ${result.failures.length} failed` : ''}`,
    );
    if (state.error) ctx.out(`${state.error}: ${state.cause ?? ''}`);
    if (result && result.failures.length > 0) {
      ctx.out(
        renderTable(
          ['APP', 'STEP', 'ERROR'],
          result.failures.map((f) => [f.appId, f.step, f.error]),
        ),
      );
    }
    if (state.status !== 'SUCCEEDED') {
      ctx.out(`Next: fix the cause above, then 'mint redrive ${id}' to retry only what failed.`);
    }
  }
  return state.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failures;
}

export async function runCommand(ctx: CliContext, request: RunRequest, wait: boolean): Promise<number> {
  const input = runInput(request);
  const { arn, id } = await start(ctx, input);
  if (!wait) {
    if (ctx.json) printJson(ctx, { cycle: id, executionArn: arn, input });
    else
      ctx.out(`Started cycle ${id}\n${arn}\nFollow it with 'mint status' or in the Step Functions console.`);
    return EXIT.ok;
  }
  ctx.err(`Started cycle ${id}\n`);
  const followed = await follow(ctx, arn);
  if (followed.stopped) return stoppedWaiting(ctx, 'cycle', id, arn, followed.state, followed.stopped);
  return finish(ctx, id, arn, followed.state);
}

/** The plan as tables: what a cycle would create, delete, repair and rotate, and why. */
export function formatPlan(plan: CyclePlan): string {
  const sections = [
    `Users to create (${plan.createUsers.length}): ${plan.createUsers.join(', ') || '-'}`,
    `Users to delete (${plan.deleteUsers.length}): ${plan.deleteUsers.map((d) => `${d.appId} (${d.userName})`).join(', ') || '-'}`,
    ...(plan.deletionsBlocked
      ? [
          `Deletions blocked: ${plan.deletionsBlocked.wanted} wanted, cap ${plan.deletionsBlocked.cap}. Nothing would be deleted; check Kio before raising mint:maxDeletionsPerCycle.`,
        ]
      : []),
    `Boundaries to repair (${plan.repairBoundaries.length}): ${plan.repairBoundaries.join(', ') || '-'}`,
    ...((plan.heldUsers ?? []).length > 0
      ? [
          `Users kept, neither rotated nor deleted, because an invalid, repeated or id-less Kio entry could be their app's: ${(plan.heldUsers ?? []).join(', ')}`,
        ]
      : []),
    ...(plan.unmanagedUsers.length > 0
      ? [`Users under Mint's path without a mint:app-id tag (left alone): ${plan.unmanagedUsers.join(', ')}`]
      : []),
    ...(plan.userQuota
      ? [
          plan.userQuota.warning ??
            `IAM users in the account: ${plan.userQuota.users} of ${plan.userQuota.quota} (${plan.userQuota.percent} %)`,
        ]
      : []),
    ...(plan.ownersError ? [`Owner mapping not applied (no grant would change): ${plan.ownersError}`] : []),
    plan.grantChanges.length === 0
      ? 'Reader accounts to change: none'
      : `Reader accounts to change (${plan.grantChanges.length})\n${renderTable(
          ['APP', 'FROM', 'TO'],
          plan.grantChanges.map((c) => [
            c.appId,
            c.from.join(' ') || '-',
            c.to.join(' ') || '- (unreadable)',
          ]),
        )}`,
    ...(plan.unreadableApps.length > 0
      ? [
          `Apps no account could read (${plan.unreadableApps.length}; add their team to _mint/owners.json): ${plan.unreadableApps.join(', ')}`,
        ]
      : []),
    plan.due.length === 0
      ? 'Apps due: none'
      : `Apps due (${plan.due.length})\n${renderTable(
          ['APP', 'WORK'],
          plan.due.map((d) => [d.appId, d.work.join(', ')]),
        )}`,
  ];
  return sections.join('\n');
}

/** A dry run, followed to the end, with its plan printed: nothing is changed. */
export async function planCommand(ctx: CliContext, request: Omit<RunRequest, 'dryRun'>): Promise<number> {
  const { arn, id } = await start(ctx, runInput({ ...request, dryRun: true }));
  ctx.err(`Started dry run ${id}\n`);
  const followed = await follow(ctx, arn);
  if (followed.stopped) return stoppedWaiting(ctx, 'dry run', id, arn, followed.state, followed.stopped);
  const { state } = followed;
  assertNotSkipped(id, state);
  const plan = await readPlan(ctx.bucket, id);
  if (!plan) {
    ctx.err(
      `The dry run ${state.status}${state.error ? ` (${state.error}: ${state.cause ?? ''})` : ''} without writing a plan.\n`,
    );
    return EXIT.failures;
  }
  if (ctx.json) printJson(ctx, { cycle: id, executionArn: arn, status: state.status, plan });
  else ctx.out(formatPlan(plan));
  return state.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failures;
}

/** The newest execution that failed, timed out or was aborted. */
async function latestUnsuccessful(ctx: CliContext): Promise<{ arn: string; id: string } | undefined> {
  const candidates = await Promise.all(
    UNSUCCESSFUL.map((statusFilter) =>
      ctx.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: ctx.targets.stateMachineArn,
          statusFilter,
          maxResults: 1,
        }),
      ),
    ),
  );
  const newest = candidates
    .flatMap((page) => page.executions ?? [])
    .sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0))[0];
  return newest?.executionArn && newest.name ? { arn: newest.executionArn, id: newest.name } : undefined;
}

/**
 * Redrives an execution: Step Functions re-runs only the failed states, so the retry Map re-attempts
 * only the apps that failed. The workflow itself refuses to run next to another cycle.
 */
export async function redriveCommand(
  ctx: CliContext,
  execution: string | undefined,
  wait: boolean,
): Promise<number> {
  const target = execution
    ? {
        arn: executionArn(ctx.targets.stateMachineArn, execution),
        id: execution.split(':').pop() ?? execution,
      }
    : await latestUnsuccessful(ctx);
  if (!target) {
    if (ctx.json) printJson(ctx, { redriven: null });
    else ctx.out('No failed, timed-out or aborted execution to redrive.');
    return EXIT.ok;
  }
  const redriven = await ctx.sfn.send(new RedriveExecutionCommand({ executionArn: target.arn }));
  if (!wait) {
    if (ctx.json) printJson(ctx, { redriven: target.id, executionArn: target.arn });
    else ctx.out(`Redriving cycle ${target.id}\n${target.arn}\nFollow it with 'mint status' or add --wait.`);
    return EXIT.ok;
  }
  ctx.err(`Redriving cycle ${target.id}\n`);
  const followed = await follow(ctx, target.arn, redriven.redriveDate ?? ctx.now());
  if (followed.stopped)
    return stoppedWaiting(ctx, 'cycle', target.id, target.arn, followed.state, followed.stopped);
  return finish(ctx, target.id, target.arn, followed.state);
}
