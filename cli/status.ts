import type { AppStatus, StatusDocument } from '../lambdas/core/app-status';
import { type CliContext, printJson } from './context';
import {
  type CycleRecords,
  type CycleResult,
  type CycleSummary,
  latestCycles,
  readCycleReport,
  readStatus,
  UNSUCCESSFUL,
} from './cycles';
import { CliError, EXIT } from './errors';
import { formatDuration, formatTime, renderTable } from './table';

const ERROR_WIDTH = 90;

/** The status an on-call engineer needs: which cycles ran, which apps fail, at which step, with which error. */
export interface StatusView {
  stateMachineArn: string;
  bucket: string;
  cycles: CycleSummary[];
  /** The newest cycle with a report: its failures are newer than the status document. */
  latestReport?: CycleResult;
  /** The same cycle's records: users created, deleted, repaired, kept and left alone; invalid Kio entries. */
  latestRecords?: CycleRecords;
  /** `_mint/status.json`, written at the start of each cycle in which some app's state changed. */
  status?: StatusDocument;
}

export async function loadStatusView(ctx: CliContext, cycleCount: number): Promise<StatusView> {
  const cycles = await latestCycles(ctx.sfn, ctx.targets.stateMachineArn, cycleCount);
  let latest: Awaited<ReturnType<typeof readCycleReport>>;
  for (const cycle of cycles.filter((c) => c.status !== 'RUNNING')) {
    latest = await readCycleReport(ctx.bucket, cycle.id);
    if (latest) break;
  }
  const status = await readStatus(ctx.bucket);
  return {
    stateMachineArn: ctx.targets.stateMachineArn,
    bucket: ctx.targets.bucket,
    cycles,
    ...(latest ? { latestReport: latest.result, latestRecords: latest.records } : {}),
    ...(status ? { status } : {}),
  };
}

/** Failing apps first, the longest-failing on top (a failing app always has a count), then by app id. */
export function sortForOnCall(apps: readonly AppStatus[]): AppStatus[] {
  return [...apps].sort(
    (a, b) => b.consecutiveFailures - a.consecutiveFailures || a.appId.localeCompare(b.appId),
  );
}

/** 1 when anything needs a person: the newest cycle did not succeed, or some app is failing. */
export function statusExitCode(view: StatusView, app?: string): number {
  if (app !== undefined) {
    const failingNow = view.latestReport?.failures.some((f) => f.appId === app) ?? false;
    const entry = view.status?.apps.find((a) => a.appId === app);
    return failingNow || entry?.state === 'failing' ? EXIT.failures : EXIT.ok;
  }
  const newest = view.cycles[0];
  const failing =
    (newest !== undefined && (UNSUCCESSFUL as readonly string[]).includes(newest.status)) ||
    (view.latestReport?.failures.length ?? 0) > 0 ||
    (view.status?.apps.some((a) => a.state === 'failing') ?? false);
  return failing ? EXIT.failures : EXIT.ok;
}

/** The reader accounts at a glance: the first one and how many more, or `none`. */
function formatReaders(readers: readonly string[]): string {
  if (readers.length === 0) return 'none';
  return readers.length === 1 ? (readers[0] ?? '') : `${readers[0]} +${readers.length - 1}`;
}

/** One line on what the cycle did to service users and what Kio sent that Mint could not use; ids quoted. */
export function formatRecords(records: CycleRecords): string | undefined {
  const parts: string[] = [];
  const users = records.users;
  if (users) {
    parts.push(
      `users ${users.created.count} created, ${users.deleted.count} deleted, ${users.repaired.count} repaired`,
    );
    const named = (list: { count: number; names: string[]; truncated: boolean }) =>
      `${list.names.map((name) => JSON.stringify(name)).join(', ')}${list.truncated ? `, and ${list.count - list.names.length} more` : ''}`;
    if (users.held.count > 0)
      parts.push(`${users.held.count} kept because Kio's entry is invalid (${named(users.held)})`);
    if (users.unmanaged.count > 0)
      parts.push(
        `${users.unmanaged.count} without a valid mint:app-id tag, left alone (${named(users.unmanaged)})`,
      );
  }
  if (records.invalidApps > 0)
    parts.push(`${records.invalidApps} invalid Kio entries (see the cycle report)`);
  if (records.userQuotaWarning) parts.push(records.userQuotaWarning);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function formatStatusView(view: StatusView): string {
  const sections: string[] = [];
  sections.push(
    view.cycles.length === 0
      ? `No cycles yet for ${view.stateMachineArn}.`
      : `Latest cycles\n${renderTable(
          ['CYCLE', 'STATUS', 'STARTED', 'DURATION'],
          view.cycles.map((c) => [
            c.id,
            c.redriveCount ? `${c.status} (redriven ${c.redriveCount}x)` : c.status,
            formatTime(c.startedAt),
            c.startedAt && c.stoppedAt
              ? formatDuration(Date.parse(c.stoppedAt) - Date.parse(c.startedAt))
              : c.status === 'RUNNING'
                ? 'running'
                : '-',
          ]),
        )}`,
  );
  const report = view.latestReport;
  if (report) {
    const records = view.latestRecords ? formatRecords(view.latestRecords) : undefined;
    const head = `Cycle ${report.cycle}: ${report.rotated} rotated, ${report.failures.length} failed${
      report.recovered.length > 0 ? `, ${report.recovered.length} recovered by its retry pass` : ''
    }${records ? `\n  ${records}` : ''}`;
    sections.push(
      report.failures.length === 0
        ? head
        : `${head}\n${renderTable(
            ['APP', 'STEP', 'ERROR'],
            report.failures.map((f) => [f.appId, f.step, clip(f.error, ERROR_WIDTH)]),
          )}`,
    );
  }
  const status = view.status;
  if (!status) {
    sections.push('No status document yet: it is written by the first cycle that reconciles service users.');
  } else {
    const failing = status.apps.filter((a) => a.state === 'failing').length;
    const unreadable = status.apps.filter((a) => a.userName && a.readers.length === 0).length;
    sections.push(
      `Apps: ${status.apps.length}, ${failing} failing, ${unreadable} unreadable (as of ${formatTime(status.generatedAt)}, start of cycle ${status.cycle})\n${renderTable(
        ['APP', 'STATE', 'FAILURES', 'READERS', 'PASSWORD ROTATED', 'KEY ROTATED', 'LAST FAILURE'],
        sortForOnCall(status.apps).map((a) => [
          a.appId,
          a.state,
          String(a.consecutiveFailures),
          formatReaders(a.readers),
          formatTime(a.passwordRotatedAt),
          formatTime(a.keyRotatedAt),
          a.lastFailure
            ? clip(
                `${formatTime(a.lastFailure.at)} ${a.lastFailure.step}: ${a.lastFailure.error}`,
                ERROR_WIDTH,
              )
            : '-',
        ]),
      )}`,
    );
  }
  return sections.join('\n\n');
}

export function formatAppStatus(view: StatusView, appId: string): string {
  const entry = view.status?.apps.find((a) => a.appId === appId);
  const latest = view.latestReport?.failures.find((f) => f.appId === appId);
  const lines = [
    `app:               ${appId}`,
    `service user:      ${entry?.userName ?? '-'}`,
    `state:             ${entry?.state ?? '-'}${view.status ? ` (as of ${formatTime(view.status.generatedAt)})` : ''}`,
    `failures in a row: ${entry?.consecutiveFailures ?? '-'}`,
    `readers:           ${entry ? entry.readers.join(', ') || "none: no account outside Mint's can read it; add its team to _mint/owners.json" : '-'}`,
    `password rotated:  ${formatTime(entry?.passwordRotatedAt)}`,
    `key rotated:       ${formatTime(entry?.keyRotatedAt)}`,
    `last failure:      ${entry?.lastFailure ? `${formatTime(entry.lastFailure.at)} at ${entry.lastFailure.step}` : '-'}`,
    ...(entry?.unfinishedRotationSince
      ? [
          `unfinished:        a rotation since ${formatTime(entry.unfinishedRotationSince)} (its password may be set but not yet published); the next cycle finishes it first`,
        ]
      : []),
    ...(entry?.lastFailure ? [`  error:           ${entry.lastFailure.error}`] : []),
  ];
  if (view.latestReport) {
    lines.push(
      `latest cycle:      ${view.latestReport.cycle}: ${
        latest
          ? `failed at ${latest.step}`
          : view.latestReport.recovered.includes(appId)
            ? 'recovered on retry'
            : 'no failure'
      }`,
      ...(latest ? [`  error:           ${latest.error}`] : []),
    );
  }
  return lines.join('\n');
}

export async function statusCommand(
  ctx: CliContext,
  appId: string | undefined,
  cycleCount: number,
): Promise<number> {
  const view = await loadStatusView(ctx, cycleCount);
  if (appId !== undefined) {
    const known =
      view.status?.apps.some((a) => a.appId === appId) ||
      view.latestReport?.failures.some((f) => f.appId === appId);
    if (!known) {
      throw new CliError(
        `no status for app '${appId}': Mint keeps no service user for it. Is it registered and active in Kio? 'mint status' lists every app.`,
      );
    }
    if (ctx.json) {
      printJson(ctx, {
        app: view.status?.apps.find((a) => a.appId === appId) ?? null,
        latestCycle: view.latestReport
          ? {
              cycle: view.latestReport.cycle,
              failure: view.latestReport.failures.find((f) => f.appId === appId) ?? null,
              recovered: view.latestReport.recovered.includes(appId),
            }
          : null,
      });
    } else {
      ctx.out(formatAppStatus(view, appId));
    }
    return statusExitCode(view, appId);
  }
  if (ctx.json) printJson(ctx, view);
  else ctx.out(formatStatusView(view));
  return statusExitCode(view);
}
