import type { BucketStore } from '../adapters/object-store';
import { batchFileSchema } from '../contracts/documents';
import type { BatchRef, DueApp } from '../contracts/steps';

/** The due apps of a batch: inline, or from its batch file. */
export async function batchApps(batch: BatchRef, bucket: BucketStore): Promise<DueApp[]> {
  return batch.apps ?? (await bucket.getJson(batch.key, batchFileSchema)) ?? [];
}

/**
 * Splits apps into even batches of at most `size` for a Map that runs `mapConcurrency` at once. When
 * there are more batches than run at once, their number is rounded up to a multiple of
 * `mapConcurrency` (smaller batches): every round then has a full set, so no round runs on a fraction
 * of the IAM rate. Fewer batches than that run in one round, each on its share.
 * `inline` lets a cycle whose due apps all fit in one batch carry them in the state instead of a file
 * (two S3 calls fewer in the common small cycle); that batch then has the whole rate.
 */
export async function writeBatches(
  bucket: BucketStore,
  apps: readonly DueApp[],
  options: { size: number; mapConcurrency: number; keyOf: (index: number) => string; inline?: boolean },
): Promise<BatchRef[]> {
  if (options.inline && apps.length > 0 && apps.length <= options.size) {
    return [{ key: options.keyOf(0), size: apps.length, concurrency: 1, apps: [...apps] }];
  }
  const groups = balancedBatches(apps, options.size, options.mapConcurrency);
  const concurrency = Math.max(1, Math.min(options.mapConcurrency, groups.length));
  const batches: BatchRef[] = [];
  for (const [index, batch] of groups.entries()) {
    const key = options.keyOf(index);
    await bucket.putJson(key, batch);
    batches.push({ key, size: batch.length, concurrency });
  }
  return batches;
}

function balancedBatches<T>(items: readonly T[], size: number, mapConcurrency: number): T[][] {
  if (items.length === 0) return [];
  let count = Math.ceil(items.length / size);
  // Up to mapConcurrency batches run in one round, each at its share; beyond, whole rounds only.
  if (count > mapConcurrency)
    count = Math.min(items.length, Math.ceil(count / mapConcurrency) * mapConcurrency);
  // Exactly `count` groups, their sizes differing by at most one.
  const groups: T[][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = start + Math.floor(items.length / count) + (i < items.length % count ? 1 : 0);
    groups.push(items.slice(start, end));
    start = end;
  }
  return groups;
}
