import type { BucketStore } from '../adapters/bucket-store';
import { batchFileSchema } from '../contracts/documents';
import type { BatchRef, DueApp } from '../contracts/steps';
import { chunk } from '../core/cycle';

/** The due apps of a batch: inline, or from its batch file. */
export async function batchApps(batch: BatchRef, bucket: BucketStore): Promise<DueApp[]> {
  return batch.apps ?? (await bucket.getJson(batch.key, batchFileSchema)) ?? [];
}

/**
 * Splits apps into batches of `size`. `inline` lets a cycle whose due apps all fit in one batch carry
 * them in the state instead of a file (two S3 calls fewer in the common small cycle).
 */
export async function writeBatches(
  bucket: BucketStore,
  apps: readonly DueApp[],
  size: number,
  keyOf: (index: number) => string,
  options: { inline: boolean } = { inline: false },
): Promise<BatchRef[]> {
  if (options.inline && apps.length > 0 && apps.length <= size) {
    return [{ key: keyOf(0), size: apps.length, apps: [...apps] }];
  }
  const batches: BatchRef[] = [];
  for (const [index, batch] of chunk(apps, size).entries()) {
    const key = keyOf(index);
    await bucket.putJson(key, batch);
    batches.push({ key, size: batch.length });
  }
  return batches;
}
