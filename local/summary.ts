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
  users: { created: number; deleted: number; repaired: number };
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
    deleted?: string[];
    repaired?: string[];
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
    invalidApps: (state.apps?.invalid ?? []).map((bad) => `${bad.ref}: ${bad.reason}`),
    users: {
      created: state.reconcile?.created?.length ?? 0,
      deleted: state.reconcile?.deleted?.length ?? 0,
      repaired: state.reconcile?.repaired?.length ?? 0,
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

/** A few readable lines per cycle. */
export function formatSummary(summary: CycleSummary): string {
  const mark = summary.status === 'SUCCEEDED' ? 'ok' : 'FAILED';
  const lines = [
    `${summary.name}: ${mark} (${summary.outcome}) in ${(summary.wallMs / 1000).toFixed(2)} s, ${summary.stateTransitions} state transitions`,
    `  apps seen      ${summary.apps.active} active, ${summary.apps.inactive} inactive, ${summary.apps.invalid} invalid`,
    `  service users  ${summary.users.created} created, ${summary.users.deleted} deleted, ${summary.users.repaired} repaired`,
    `  rotation       ${summary.due} due, ${summary.rotated} rotated, ${summary.retired} previous keys retired`,
  ];
  for (const bad of summary.invalidApps) lines.push(`  invalid app    ${bad}`);
  for (const failure of summary.failures) lines.push(`  failure        ${failure}`);
  return lines.join('\n');
}
