import type { CycleRun, EventLog } from './engine';
import { executionCost } from './execution-cost';

/** What one cycle did, read from its execution history the way an operator reads the console. */
export interface CycleSummary {
  name: string;
  status: 'SUCCEEDED' | 'FAILED';
  /** How the execution ended: CycleComplete, CycleSkipped, or the Fail state's error. */
  outcome: string;
  apps: { active: number; inactive: number; invalid: number };
  invalidApps: string[];
  /** Full counts (Reconcile's name lists stop at 20). `held`: kept because Kio's entry is invalid. */
  users: { created: number; deleted: number; repaired: number; held: number; unmanaged: number };
  due: number;
  rotated: number;
  retired: number;
  failures: string[];
  stateTransitions: number;
  wallMs: number;
  reportKey?: string;
}

interface StateOutput {
  proceed?: boolean;
  apps?: {
    active?: number;
    inactive?: number;
    invalidCount?: number;
    invalid?: { ref: string; reason: string }[];
  };
  reconcile?: {
    created?: string[];
    createdCount?: number;
    deleted?: string[];
    deletedCount?: number;
    repaired?: string[];
    repairedCount?: number;
    unmanagedUsers?: string[];
    unmanagedCount?: number;
    heldUsers?: string[];
    heldCount?: number;
    toCreate?: number;
    toDelete?: number;
    due?: number;
    failures?: { appId: string; step: string; error: string }[];
    deletionsBlocked?: { wanted: number; cap: number };
  };
  report?: { reportKey?: string; rotated?: number; retired?: number; failures?: string[] };
}

const topLevel = (event: EventLog) => event.index === undefined;

export function summarizeCycle(run: CycleRun): CycleSummary {
  let state: StateOutput = {};
  let lastState = '';
  for (const event of run.events) {
    if (!topLevel(event)) continue;
    const stateData = event.state as { name: string; output?: unknown } | undefined;
    if (event.type === 'StateEntered' && stateData) lastState = stateData.name;
    if (event.type === 'StateExited' && stateData?.output && typeof stateData.output === 'object')
      state = stateData.output as StateOutput;
  }
  const failed = run.events.find((event) => event.type === 'ExecutionFailed');
  const failures = [...(state.report?.failures ?? [])];
  if (!state.report) {
    for (const f of state.reconcile?.failures ?? []) failures.push(`${f.appId}: ${f.step}: ${f.error}`);
  }
  if (failed) failures.push(`${String(failed.Error)}: ${describeCause(failed.Cause)}`);
  return {
    name: run.name,
    status: run.status,
    outcome: failed ? String(failed.Error) : lastState,
    apps: {
      active: state.apps?.active ?? 0,
      inactive: state.apps?.inactive ?? 0,
      invalid: state.apps?.invalidCount ?? 0,
    },
    // Ids come from Kio as sent: quoted, so one with a newline or a quote cannot forge a line.
    invalidApps: (state.apps?.invalid ?? []).map((bad) => `${JSON.stringify(bad.ref)}: ${bad.reason}`),
    users: {
      created: count(state.reconcile?.createdCount, state.reconcile?.created),
      deleted: count(state.reconcile?.deletedCount, state.reconcile?.deleted),
      repaired: count(state.reconcile?.repairedCount, state.reconcile?.repaired),
      held: count(state.reconcile?.heldCount, state.reconcile?.heldUsers),
      unmanaged: count(state.reconcile?.unmanagedCount, state.reconcile?.unmanagedUsers),
    },
    due: state.reconcile?.due ?? 0,
    rotated: state.report?.rotated ?? 0,
    retired: state.report?.retired ?? 0,
    failures,
    stateTransitions: executionCost(run.events).transitions,
    wallMs: run.wallMs,
    reportKey: state.report?.reportKey,
  };
}

/** The full count when Reconcile sent one, else the length of its (possibly truncated) list. */
function count(total: number | undefined, names: readonly string[] | undefined): number {
  return total ?? names?.length ?? 0;
}

/** One line, whatever the text holds: control characters (a newline in an id, say) are escaped. */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    const escaped = JSON.stringify(c).slice(1, -1);
    return escaped !== c ? escaped : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function describeCause(cause: unknown): string {
  if (typeof cause === 'string') {
    try {
      const parsed = JSON.parse(cause) as { errorMessage?: string };
      return parsed.errorMessage ?? cause;
    } catch {
      return cause;
    }
  }
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

/**
 * A few readable lines per cycle. `identityStore` names what rotates: IAM access keys, or Cognito app
 * client secrets.
 */
export function formatSummary(summary: CycleSummary, identityStore: 'iam' | 'cognito' = 'iam'): string {
  const secrets = identityStore === 'cognito' ? 'client secrets' : 'keys';
  const mark = summary.status === 'SUCCEEDED' ? 'ok' : 'FAILED';
  const lines = [
    `${summary.name}: ${mark} (${summary.outcome}) in ${(summary.wallMs / 1000).toFixed(2)} s, ${summary.stateTransitions} state transitions`,
    `  apps seen      ${summary.apps.active} active, ${summary.apps.inactive} inactive, ${summary.apps.invalid} invalid`,
    `  service users  ${summary.users.created} created, ${summary.users.deleted} deleted, ${summary.users.repaired} repaired${
      summary.users.held > 0 ? `, ${summary.users.held} kept (invalid in Kio)` : ''
    }${summary.users.unmanaged > 0 ? `, ${summary.users.unmanaged} unmanaged (left alone)` : ''}`,
    `  rotation       ${summary.due} due, ${summary.rotated} rotated, ${summary.retired} previous ${secrets} retired`,
  ];
  if (summary.apps.invalid > summary.invalidApps.length)
    lines.push(
      `  invalid apps   the first ${summary.invalidApps.length} of ${summary.apps.invalid} are listed`,
    );
  for (const bad of summary.invalidApps) lines.push(`  invalid app    ${oneLine(bad)}`);
  for (const failure of summary.failures) lines.push(`  failure        ${oneLine(failure)}`);
  return lines.join('\n');
}
