import { cycleKeys } from '../lambdas/contracts/keys';
import { STATE } from '../lib/workflow-states';
import { type CliContext, printJson } from './context';
import { describeExecution, type ExecutionState } from './cycles';
import { CycleSkippedError, EXIT } from './errors';
import { formatDuration } from './table';

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
export function stoppedWaiting(
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
export function assertNotSkipped(id: string, state: ExecutionState): void {
  if (state.status === 'SUCCEEDED' && state.step === STATE.skipped) {
    throw new CycleSkippedError(
      `cycle ${id} did nothing: another Mint cycle was running. Retry when 'mint status' shows none running.`,
    );
  }
}
