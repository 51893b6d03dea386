import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { parseRunInput, type RunOptions } from '../lambdas/core/run-input';
import { type CliContext, printJson } from './context';
import { type ExecutionState, readCycleResult } from './cycles';
import { CliError, EXIT } from './errors';
import { assertNotSkipped, follow, stoppedWaiting } from './follow';
import { formatDuration, renderTable } from './table';

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
export async function startRun(ctx: CliContext, input: RunOptions): Promise<{ arn: string; id: string }> {
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

/** Prints how a followed cycle ended, with its failures, and returns the exit code that says so. */
export async function finishRun(
  ctx: CliContext,
  id: string,
  arn: string,
  state: ExecutionState,
): Promise<number> {
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
  const { arn, id } = await startRun(ctx, input);
  if (!wait) {
    if (ctx.json) printJson(ctx, { cycle: id, executionArn: arn, input });
    else
      ctx.out(`Started cycle ${id}\n${arn}\nFollow it with 'mint status' or in the Step Functions console.`);
    return EXIT.ok;
  }
  ctx.err(`Started cycle ${id}\n`);
  const followed = await follow(ctx, arn);
  if (followed.stopped) return stoppedWaiting(ctx, 'cycle', id, arn, followed.state, followed.stopped);
  return finishRun(ctx, id, arn, followed.state);
}
