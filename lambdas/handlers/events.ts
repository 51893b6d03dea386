import * as z from 'zod';
import type { BucketStore } from '../adapters/bucket-store';
import type { CycleRef } from '../core/cycle';
import type { DueApp } from '../core/due';
import { InvalidInputError } from '../core/errors';
import { describeIssues } from '../core/settings';

/** Shapes of the references the workflow passes between steps; validated at every handler's door. */
const runOptions = z.object({
  apps: z.array(z.string()).optional(),
  force: z.boolean(),
  revokePrevious: z.boolean(),
  dryRun: z.boolean(),
});

export const cycleSchema: z.ZodType<CycleRef> = z.object({
  id: z.string().min(1),
  executionArn: z.string(),
  stateMachineArn: z.string(),
  startedAt: z.string(),
  options: runOptions,
});

/**
 * One Map item: a batch of due apps. Usually a reference to a batch file; when every due app of the
 * cycle fits in one batch, the apps travel inline (at most batchSize small records) and no file is
 * written, which saves two S3 calls in the common small cycle. `key` still names the batch, for its
 * outcome file and its retry.
 */
export const batchRefSchema = z.object({
  key: z.string().startsWith('_mint/'),
  size: z.number().int(),
  apps: z
    .array(
      z.object({
        appId: z.string(),
        userName: z.string(),
        userArn: z.string(),
        tags: z.record(z.string(), z.string()),
      }),
    )
    .optional(),
});
export type BatchRef = z.infer<typeof batchRefSchema>;

/** The due apps of a batch: inline, or from its batch file. */
export async function batchApps(batch: BatchRef, bucket: BucketStore): Promise<DueApp[]> {
  // Batch files are written by Reconcile in the same shape; only inline batches pass through the schema.
  return batch.apps ?? (((await bucket.getJson(batch.key)) ?? []) as DueApp[]);
}

export const appsRefSchema = z.object({ key: z.string().startsWith('_mint/') });

export function parseEvent<T>(schema: z.ZodType<T>, event: unknown, step: string): T {
  const result = schema.safeParse(event);
  if (!result.success) {
    throw new InvalidInputError(`${step} received an event it cannot use (${describeIssues(result.error)})`);
  }
  return result.data;
}
