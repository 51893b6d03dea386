import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import * as z from 'zod';
import type { BucketStore } from '../lambdas/adapters/bucket-store';
import { STATUS_KEY, type StatusDocument, statusDocumentSchema } from '../lambdas/core/app-status';
import { cycleKeys } from '../lambdas/core/cycle';
import type { CyclePlan } from '../lambdas/core/cycle-plan';
import { userQuotaSchema } from '../lambdas/core/user-quota';
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

const outcomeSchema = z.looseObject({
  appId: z.string(),
  status: z.string(),
  step: z.string().optional(),
  error: z.string().optional(),
});

const recordedNamesSchema = z.object({
  count: z.number().int().nonnegative(),
  names: z.array(z.string()),
  truncated: z.boolean(),
});

/** The parts of a cycle report (`_mint/cycles/<id>/report.json`) the CLI reads. */
const reportSchema = z.looseObject({
  cycle: z.string(),
  invalidAppCount: z.number().int().nonnegative().default(0),
  // Reports written before Mint recorded users have no `users` block.
  users: z
    .looseObject({
      created: recordedNamesSchema,
      deleted: recordedNamesSchema,
      repaired: recordedNamesSchema,
      held: recordedNamesSchema,
      unmanaged: recordedNamesSchema,
    })
    .optional(),
  finishedAt: z.string().optional(),
  outcomes: z.array(outcomeSchema).default([]),
  reconcile: z
    .looseObject({
      failures: z.array(z.object({ appId: z.string(), step: z.string(), error: z.string() })).default([]),
      userQuota: userQuotaSchema.extend({ warning: z.string().optional() }).optional(),
    })
    .optional(),
  retry: z.looseObject({ recovered: z.array(z.string()).default([]) }).optional(),
});

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
  users?: Record<
    'created' | 'deleted' | 'repaired' | 'held' | 'unmanaged',
    z.infer<typeof recordedNamesSchema>
  >;
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
  const raw = await bucket.getJson(cycleKeys.report(cycleId));
  if (raw === undefined) return undefined;
  const parsed = reportSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CliError(
      `s3://${bucket.bucket}/${cycleKeys.report(cycleId)} is not a Mint cycle report: ${parsed.error.issues[0]?.message}`,
    );
  }
  const report = parsed.data;
  const recovered = report.retry?.recovered ?? [];
  const failures = [
    ...(report.reconcile?.failures ?? []),
    ...report.outcomes
      .filter((o) => o.status === 'failed' && !recovered.includes(o.appId))
      .map((o) => ({ appId: o.appId, step: o.step ?? '?', error: o.error ?? '' })),
  ];
  const { created, deleted, repaired, held, unmanaged } = report.users ?? {};
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
      ...(report.reconcile?.userQuota?.warning
        ? { userQuotaWarning: report.reconcile.userQuota.warning }
        : {}),
      ...(created && deleted && repaired && held && unmanaged
        ? { users: { created, deleted, repaired, held, unmanaged } }
        : {}),
    },
  };
}

export async function readStatus(bucket: BucketStore): Promise<StatusDocument | undefined> {
  const raw = await bucket.getJson(STATUS_KEY);
  if (raw === undefined) return undefined;
  const parsed = statusDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CliError(
      `s3://${bucket.bucket}/${STATUS_KEY} is not a Mint status document (schema version 1 expected)`,
    );
  }
  return parsed.data;
}

export async function readPlan(bucket: BucketStore, cycleId: string): Promise<CyclePlan | undefined> {
  return (await bucket.getJson(cycleKeys.plan(cycleId))) as CyclePlan | undefined;
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
