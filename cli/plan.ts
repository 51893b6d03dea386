import type { CyclePlan } from '../lambdas/core/cycle-plan';
import { type CliContext, printJson } from './context';
import { readPlan } from './cycles';
import { EXIT } from './errors';
import { assertNotSkipped, follow, stoppedWaiting } from './follow';
import { type RunRequest, runInput, startRun } from './run';
import { renderTable } from './table';

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
    `Users to repair (${plan.repairUsers.length}): ${plan.repairUsers.join(', ') || '-'}`,
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
  const { arn, id } = await startRun(ctx, runInput({ ...request, dryRun: true }));
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
