import * as z from 'zod';
import { runInputSchema } from '../core/run-input';
import { userQuotaSchema } from '../core/user-quota';

/**
 * What each step of the cycle receives and returns. The handlers parse their input with these, the
 * steps that consume another's output parse it with the producer's own schema (so nothing a step
 * produces is dropped on the way), the CDK definition's JSONPaths are checked against them
 * (test/infra/step-contracts.test.ts), and the CLI and the local runner read executions with them.
 * Only references and counts travel: never a secret.
 */

export const cycleRefSchema = z.object({
  /** The execution name: names this cycle's folder `_mint/cycles/<id>/`. */
  id: z.string().min(1),
  executionArn: z.string(),
  stateMachineArn: z.string(),
  startedAt: z.string(),
  options: runInputSchema,
});
export type CycleRef = z.infer<typeof cycleRefSchema>;

/** A due app as it travels in a batch: references and tag state, never a secret. */
export const dueAppSchema = z.object({
  appId: z.string(),
  userName: z.string(),
  userArn: z.string(),
  /** The app client holding its client credentials, in a store that has clients (Cognito). */
  clientId: z.string().optional(),
  tags: z.record(z.string(), z.string()),
  /** A stage was found for it when the cycle began: whatever else is due, it is repaired or finished. */
  staged: z.boolean().optional(),
});
export type DueApp = z.infer<typeof dueAppSchema>;

/**
 * One Map item: a batch of due apps. Usually a reference to a batch file; when every due app of the
 * cycle fits in one batch, the apps travel inline (at most batchSize small records) and no file is
 * written, which saves two S3 calls in the common small cycle. `key` still names the batch, for its
 * outcome file and its retry.
 */
export const batchRefSchema = z.object({
  key: z.string().startsWith('_mint/'),
  size: z.number().int(),
  /**
   * How many of the Map's batches run at once (at most its MaxConcurrency): each takes that share of
   * the account's IAM write rate.
   */
  concurrency: z.number().int().positive().optional(),
  apps: z.array(dueAppSchema).optional(),
});
export type BatchRef = z.infer<typeof batchRefSchema>;

/** What happened to one app: references only (key ids and object versions are not secrets). */
export const appOutcomeSchema = z.object({
  appId: z.string(),
  status: z.enum(['rotated', 'retired', 'unchanged', 'failed']),
  passwordChanged: z.boolean().optional(),
  newAccessKeyId: z.string().optional(),
  retiredKeyIds: z.array(z.string()).optional(),
  orphanKeysDeleted: z.array(z.string()).optional(),
  credentialsVersionId: z.string().optional(),
  resumed: z.boolean().optional(),
  /** On failure: the step that failed and the upstream error, without secret values. */
  step: z.string().optional(),
  error: z.string().optional(),
  /** Set when the failure could not be counted on the user (why): its failure count is then behind. */
  failureNotCounted: z.string().optional(),
  /** Another execution holds the app's lease: left alone this time, nothing changed. */
  busy: z.string().optional(),
});
export type AppOutcome = z.infer<typeof appOutcomeSchema>;

// StartCycle ---------------------------------------------------------------------------------------

export const startCycleInputSchema = z.object({
  input: z.unknown(),
  executionArn: z.string(),
  executionName: z.string(),
  startTime: z.string(),
  stateMachineArn: z.string(),
});
export const startCycleOutputSchema = z.object({
  cycle: cycleRefSchema,
  /** False when another cycle is running: this one ends at once, having touched nothing. */
  proceed: z.boolean(),
});
export type StartCycleOutput = z.infer<typeof startCycleOutputSchema>;

// ListApps -----------------------------------------------------------------------------------------

export const listAppsInputSchema = z.object({ cycle: cycleRefSchema });
export const invalidAppRefSchema = z.object({ ref: z.string(), reason: z.string() });
export const listAppsOutputSchema = z.object({
  /** The apps snapshot (`_mint/cycles/<id>/apps.json`). */
  key: z.string().startsWith('_mint/'),
  active: z.number().int().nonnegative(),
  inactive: z.number().int().nonnegative(),
  invalidCount: z.number().int().nonnegative(),
  /** The first invalid apps, enough to act on; the full list is in the snapshot. */
  invalid: z.array(invalidAppRefSchema),
});
export type ListAppsOutput = z.infer<typeof listAppsOutputSchema>;

// ReconcileServiceUsers ----------------------------------------------------------------------------

export const reconcileFailureSchema = z.object({ appId: z.string(), step: z.string(), error: z.string() });
export type ReconcileFailure = z.infer<typeof reconcileFailureSchema>;
export const grantChangeSchema = z.object({
  appId: z.string(),
  from: z.array(z.string()),
  to: z.array(z.string()),
});
export type GrantChange = z.infer<typeof grantChangeSchema>;

const names = z.array(z.string());
const count = z.number().int().nonnegative();

export const reconcileOutputSchema = z.object({
  /** References to the batch files of due apps: the Map's items. Empty on a dry run. */
  batches: z.array(batchRefSchema),
  due: count,
  /** The first users created, deleted and repaired (at most 20 each); the counts are complete. */
  created: names,
  createdCount: count,
  deleted: names,
  deletedCount: count,
  repaired: names,
  repairedCount: count,
  toCreate: count,
  toDelete: count,
  deletionsBlocked: z.object({ wanted: count, cap: count }).optional(),
  /** Users under Mint's path without a valid `mint:app-id` tag: never acted on. */
  unmanagedUsers: names,
  unmanagedCount: count,
  /** Users kept because an invalid or repeated Kio entry names their app: not rotated, not deleted. */
  heldUsers: names,
  heldCount: count,
  failureCount: count,
  failures: z.array(reconcileFailureSchema),
  /** Every app that failed (up to 1,000): what RetryServiceUsers, and a redrive of it, takes again. */
  failedApps: names,
  /** More than 1,000 failed: RetryServiceUsers then reconciles every app again. */
  failedAppsTruncated: z.boolean(),
  /** `_mint/owners.json` could not be applied. */
  ownersFailed: z.boolean(),
  /** Reader accounts changed this cycle, and active apps no account outside Mint's can read. */
  grants: z.object({
    changed: count,
    changes: z.array(grantChangeSchema),
    unreadableCount: count,
    unreadable: names,
    /** Why `_mint/owners.json` was not applied: then no grant changed. */
    ownersError: z.string().optional(),
    /** Changes left for the next invocation or cycle: more than the IAM write budget allowed. */
    deferred: count.optional(),
  }),
  /** The account's IAM users against its users-per-account quota; `warning` from 90 %. */
  userQuota: userQuotaSchema.extend({ warning: z.string().optional() }),
  dryRun: z.boolean(),
  /** A dry run's full plan (`_mint/cycles/<id>/plan.json`). */
  planKey: z.string().optional(),
  /**
   * More users are to be created than this invocation's share of the IAM write rate allowed: the cycle
   * runs Reconcile again before rotating (its batches are empty until then).
   */
  more: z.boolean(),
  createsLeft: count,
});
export type ReconcileOutput = z.infer<typeof reconcileOutputSchema>;

export const reconcileInputSchema = z.object({
  cycle: cycleRefSchema,
  apps: listAppsOutputSchema.pick({ key: true }),
  /** Set when Reconcile runs again in the same cycle (`more`): what the earlier invocations did. */
  previous: reconcileOutputSchema.optional(),
});

/** RetryServiceUsers runs in Reconcile's function: `phase` tells them apart. */
export const retryServiceUsersInputSchema = z.object({
  phase: z.literal('retry'),
  cycle: cycleRefSchema,
  apps: listAppsOutputSchema.pick({ key: true }),
  /** The apps whose user could not be created, repaired, deleted or granted in ReconcileServiceUsers. */
  failedApps: names,
  /** More apps failed than `failedApps` lists: reconcile every app again. */
  failedAppsTruncated: z.boolean().default(false),
  /** `_mint/owners.json` could not be applied. */
  ownersFailed: z.boolean(),
});
export const retryServiceUsersOutputSchema = z.object({ retried: count });
export type RetryServiceUsersOutput = z.infer<typeof retryServiceUsersOutputSchema>;

// RotateBatch (and RetryBatch) ---------------------------------------------------------------------

export const rotateBatchInputSchema = z.object({
  cycle: cycleRefSchema,
  batch: batchRefSchema,
  /** Set on the retry pass: refresh each app's state and fail (so redrive can retry) if any app fails. */
  retry: z.boolean().default(false),
});

/**
 * A Map iteration's output, kept small because the Map collects one per batch: an inline batch
 * returns its outcomes (at most batchSize), a batch from a file stores them beside it.
 */
export const rotateBatchOutputSchema = z.union([
  z.object({ outcomes: z.array(appOutcomeSchema) }),
  z.object({ failed: count }),
]);
export type RotateBatchOutput = z.infer<typeof rotateBatchOutputSchema>;

/**
 * One element of the rotation Map's result: a batch's output, or `lost` when its function died
 * (the Map's BatchLost catch), or null.
 */
export const rotationResultSchema = z
  .object({
    outcomes: z.array(appOutcomeSchema).optional(),
    failed: count.optional(),
    /** The batch's function died (BatchLost): its apps are failed with this cause. */
    lost: z.object({ error: z.string(), cause: z.string().optional() }).optional(),
  })
  .nullable();

// Report and RecordRetry ---------------------------------------------------------------------------

export const reportInputSchema = z.object({
  cycle: cycleRefSchema,
  apps: listAppsOutputSchema,
  reconcile: reconcileOutputSchema,
  /** RotateDueApps' results, one per batch in order: inline batches carry their outcomes. */
  rotation: z.array(rotationResultSchema).default([]),
});
export type ReportInput = z.infer<typeof reportInputSchema>;

export const reportOutputSchema = z.object({
  reportKey: z.string().startsWith('_mint/'),
  rotated: count,
  /** Apps whose previous access key was deleted this cycle, whether or not they also rotated. */
  retired: count,
  failedApps: count,
  /** Batches of only the failed apps: the retry Map's items, so a redrive re-attempts exactly those. */
  retryBatches: z.array(batchRefSchema),
  reconcileFailures: count,
  /** The ServiceUsersNotReconciled Fail state's cause: which users, which step, which error. */
  reconcileCause: z.string(),
  deletionsBlocked: z.boolean(),
  /** Failed apps with step and error, for the execution's output and the Fail state's cause. */
  failures: names,
});
export type ReportOutput = z.infer<typeof reportOutputSchema>;

/** RecordRetry runs in Report's function, after a successful retry pass. */
export const recordRetryInputSchema = z.object({
  phase: z.literal('retry'),
  cycle: cycleRefSchema,
  report: reportOutputSchema.pick({ reportKey: true, retryBatches: true }),
});
export const recordRetryOutputSchema = z.object({ recovered: count });
export type RecordRetryOutput = z.infer<typeof recordRetryOutputSchema>;

/** Which of the two steps a shared function is asked to run. */
export const phaseSchema = z.object({ phase: z.literal('retry') });
export function isRetryPhase(event: unknown): boolean {
  return phaseSchema.safeParse(event).success;
}

/**
 * The execution's state document as the definition builds it: each step's output placed at its
 * ResultPath. The definition's JSONPaths are checked against it (test/infra/step-contracts.test.ts).
 */
export const cycleStateSchema = z.object({
  cycle: cycleRefSchema,
  proceed: z.boolean(),
  apps: listAppsOutputSchema,
  reconcile: reconcileOutputSchema,
  rotation: z.array(rotationResultSchema),
  report: reportOutputSchema,
});

/** One iteration of a rotation Map: its ItemSelector's output, and the error its Catch records. */
export const batchIterationSchema = rotateBatchInputSchema.extend({
  lost: z.object({ Error: z.string(), Cause: z.string() }),
});
