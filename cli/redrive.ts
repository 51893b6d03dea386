import { ListExecutionsCommand, RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { type CliContext, printJson } from './context';
import { UNSUCCESSFUL } from './cycles';
import { EXIT } from './errors';
import { follow, stoppedWaiting } from './follow';
import { finishRun } from './run';
import { executionArn } from './targets';

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
  return finishRun(ctx, target.id, target.arn, followed.state);
}
