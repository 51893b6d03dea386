import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type * as z from 'zod';
import { type BucketStore, InvalidDocumentError, InvalidJsonError } from '../lambdas/adapters/object-store';
import {
  type CyclePlan,
  cyclePlanSchema,
  cycleReportSchema,
  type RecordedNames,
  statusDocumentSchema,
} from '../lambdas/contracts/documents';
import { cycleKeys, STATUS_KEY } from '../lambdas/contracts/keys';
import type { StatusDocument } from '../lambdas/core/app-status';
import { CliError } from './errors';

/** The execution statuses that mean a cycle needs a person, and that Step Functions can redrive. */
export const UNSUCCESSFUL = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** One execution of the state machine, as `mint status` lists it. */
export interface CycleSummary {
  /** The execution name: names the cycle's folder `_mint/cycles/<id>/`. */
  id: string;
  executionArn: string;
  status: string;
  startedAt?: string;
  stoppedAt?: string;
  redriveCount?: number;
}

export async function latestCycles(
  sfn: SFNClient,
  stateMachineArn: string,
  count: number,
): Promise<CycleSummary[]> {
  const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: count }));
  return (page.executions ?? []).flatMap((e) =>
    e.executionArn && e.name
      ? [
          {
            id: e.name,
            executionArn: e.executionArn,
            status: e.status ?? 'UNKNOWN',
            ...(e.startDate ? { startedAt: e.startDate.toISOString() } : {}),
            ...(e.stopDate ? { stoppedAt: e.stopDate.toISOString() } : {}),
            ...(e.redriveCount ? { redriveCount: e.redriveCount } : {}),
          },
        ]
      : [],
  );
}

export interface CycleResult {
  cycle: string;
  finishedAt?: string;
  rotated: number;
  /** Apps this cycle could not serve, after its retry pass: name, step, error (never a secret). */
  failures: { appId: string; step: string; error: string }[];
  recovered: string[];
}

/** What a cycle did to service users, and how many Kio entries it could not use (`mint status`). */
export interface CycleRecords {
  invalidApps: number;
  /** Absent in reports written before Mint recorded users. */
  users?: Record<'created' | 'deleted' | 'repaired' | 'held' | 'unmanaged', RecordedNames>;
  /** From 90 % of IAM's users-per-account quota: the account's users against it, and what to do. */
  userQuotaWarning?: string;
}

export async function readCycleResult(
  bucket: BucketStore,
  cycleId: string,
): Promise<CycleResult | undefined> {
  return (await readCycleReport(bucket, cycleId))?.result;
}

/** The cycle report's failures and rotations (`result`), and its records of users and invalid apps. */
export async function readCycleReport(
  bucket: BucketStore,
  cycleId: string,
): Promise<{ result: CycleResult; records: CycleRecords } | undefined> {
  const report = await readDocument(bucket, cycleKeys.report(cycleId), cycleReportSchema);
  if (report === undefined) return undefined;
  const recovered = report.retry?.recovered ?? [];
  const failures = [
    ...report.reconcile.failures,
    ...report.outcomes
      .filter((o) => o.status === 'failed' && !recovered.includes(o.appId))
      .map((o) => ({ appId: o.appId, step: o.step ?? '?', error: o.error ?? '' })),
  ];
  const { created, deleted, repaired, held, unmanaged } = report.users;
  return {
    result: {
      cycle: report.cycle,
      ...(report.finishedAt ? { finishedAt: report.finishedAt } : {}),
      rotated: report.outcomes.filter((o) => o.status === 'rotated').length,
      failures,
      recovered,
    },
    records: {
      invalidApps: report.invalidAppCount,
      ...(report.reconcile.userQuota.warning ? { userQuotaWarning: report.reconcile.userQuota.warning } : {}),
      users: { created, deleted, repaired, held, unmanaged },
    },
  };
}

export async function readStatus(bucket: BucketStore): Promise<StatusDocument | undefined> {
  return readDocument(bucket, STATUS_KEY, statusDocumentSchema);
}

export async function readPlan(bucket: BucketStore, cycleId: string): Promise<CyclePlan | undefined> {
  return readDocument(bucket, cycleKeys.plan(cycleId), cyclePlanSchema);
}

/** A document parsed with its contract; one that is not is a CliError naming the object and fields. */
async function readDocument<T>(
  bucket: BucketStore,
  key: string,
  schema: z.ZodType<T>,
): Promise<T | undefined> {
  try {
    return await bucket.getJson(key, schema);
  } catch (error) {
    if (error instanceof InvalidDocumentError || error instanceof InvalidJsonError)
      throw new CliError(error.message);
    throw error;
  }
}

export interface ExecutionState {
  status: string;
  /** The state it is in (while running) or failed in. */
  step?: string;
  error?: string;
  cause?: string;
  startedAt?: Date;
  stoppedAt?: Date;
}

/** The execution's status, with the state it last entered from the newest history events. */
export async function describeExecution(sfn: SFNClient, executionArn: string): Promise<ExecutionState> {
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const history = await sfn.send(
    new GetExecutionHistoryCommand({
      executionArn,
      reverseOrder: true,
      maxResults: 20,
      includeExecutionData: false,
    }),
  );
  const entered = (history.events ?? []).find((e) => e.stateEnteredEventDetails?.name);
  return {
    status: execution.status ?? 'UNKNOWN',
    ...(entered?.stateEnteredEventDetails?.name ? { step: entered.stateEnteredEventDetails.name } : {}),
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.cause ? { cause: execution.cause } : {}),
    ...(execution.startDate ? { startedAt: execution.startDate } : {}),
    ...(execution.stopDate ? { stoppedAt: execution.stopDate } : {}),
  };
}
