import * as z from 'zod';
import { userQuotaSchema } from '../core/user-quota';
import {
  appOutcomeSchema,
  batchRefSchema,
  dueAppSchema,
  grantChangeSchema,
  invalidAppRefSchema,
  reconcileOutputSchema,
} from './steps';

export { statusDocumentSchema } from '../core/app-status';
export { parsedAppsSchema as appsSnapshotSchema } from '../core/apps';
/**
 * The documents Mint stores under `_mint/` and reads back, each parsed with its schema on the way in
 * (`ObjectStore.getJson(key, schema)`), never cast. The apps snapshot, the status document, the owner
 * mapping and the pending rotation are defined beside the pure logic that builds them and listed here.
 */
export { credentialsDocumentSchema } from '../core/credentials';
export { ownerMappingSchema } from '../core/owners';
export { stageSchema as pendingRotationSchema } from '../core/rotation-plan';

/** `_mint/cycles/<id>/batches/<n>.json` and `retry-batches/<n>.json`: the due apps of one batch. */
export const batchFileSchema = z.array(dueAppSchema);

/** `<batch key>.outcomes.json`: what RotateBatch did to each app of a batch read from a file. */
export const batchOutcomesSchema = z.array(appOutcomeSchema);

/** One list of the report: the full count, the first names, and whether names were left out. */
export const recordedNamesSchema = z.object({
  count: z.number().int().nonnegative(),
  names: z.array(z.string()),
  truncated: z.boolean(),
});
export type RecordedNames = z.infer<typeof recordedNamesSchema>;

/** `_mint/cycles/<id>/report.json`: what one cycle did, written by Report, amended by RecordRetry. */
export const cycleReportSchema = z.object({
  cycle: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  options: z.record(z.string(), z.unknown()),
  invalidApps: z.array(invalidAppRefSchema),
  invalidAppCount: z.number().int().nonnegative(),
  invalidAppsTruncated: z.boolean(),
  /** What this cycle did to service users: counts always, the first names, and whether names were left out. */
  users: z.object({
    created: recordedNamesSchema,
    deleted: recordedNamesSchema,
    repaired: recordedNamesSchema,
    /** Kept because an invalid or repeated Kio entry names their app; never acted on otherwise. */
    held: recordedNamesSchema,
    /** Under Mint's path without a valid mint:app-id tag: never acted on. */
    unmanaged: recordedNamesSchema,
  }),
  /** Reconcile's output with its name lists moved to `users`, and batch references only. */
  reconcile: reconcileOutputSchema
    .omit({
      created: true,
      createdCount: true,
      deleted: true,
      deletedCount: true,
      repaired: true,
      repairedCount: true,
      unmanagedUsers: true,
      unmanagedCount: true,
      heldUsers: true,
      heldCount: true,
      batches: true,
    })
    .extend({ batches: z.array(batchRefSchema.omit({ apps: true })) }),
  outcomes: z.array(appOutcomeSchema),
  /** Added by RecordRetry after a successful retry pass. */
  retry: z
    .object({ finishedAt: z.string(), recovered: z.array(z.string()), outcomes: z.array(appOutcomeSchema) })
    .optional(),
});
export type CycleReport = z.infer<typeof cycleReportSchema>;

const planWork = z.enum(['password', 'access-key', 'retire-previous-key', 'resume', 'retry-failed']);

/** `_mint/cycles/<id>/plan.json`: what a dry run would do, in full; `mint plan` prints it. */
export const cyclePlanSchema = z.object({
  createUsers: z.array(z.string()),
  deleteUsers: z.array(z.object({ appId: z.string(), userName: z.string() })),
  /** Set when Kio would make Mint delete more users than the cap allows; then none would be deleted. */
  deletionsBlocked: z.object({ wanted: z.number(), cap: z.number() }).optional(),
  repairUsers: z.array(z.string()),
  unmanagedUsers: z.array(z.string()),
  /** Users kept because an invalid, repeated or id-less Kio entry could be their app's. */
  heldUsers: z.array(z.string()).optional(),
  /** Existing users with work due. Apps whose user is still to be created rotate after creation. */
  due: z.array(z.object({ appId: z.string(), work: z.array(planWork) })),
  /** Apps whose reader accounts would change (`from` → `to`), by the owner mapping. */
  grantChanges: z.array(grantChangeSchema),
  /** Active apps that no account outside Mint's could read. */
  unreadableApps: z.array(z.string()),
  /** Why the owner mapping would not be applied (then no grant changes). */
  ownersError: z.string().optional(),
  /** The account's IAM users against its quota, with a warning from 90 %. */
  userQuota: userQuotaSchema.extend({ warning: z.string().optional() }).optional(),
});
export type CyclePlan = z.infer<typeof cyclePlanSchema>;
