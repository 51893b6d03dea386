import type { BucketStore } from '../adapters/bucket-store';
import { STATUS_KEY, type StatusDocument, sameAppStatuses, statusDocumentSchema } from '../core/app-status';

/**
 * Writes `_mint/status.json` only when some app's status changed: an idle cycle reads it (one GET) and
 * writes nothing. An unreadable old document is replaced, never a reason to fail the cycle.
 */
export async function writeStatusIfChanged(bucket: BucketStore, next: StatusDocument): Promise<boolean> {
  let previous: StatusDocument | undefined;
  try {
    const parsed = statusDocumentSchema.safeParse(await bucket.getJson(STATUS_KEY));
    previous = parsed.success ? parsed.data : undefined;
  } catch {
    previous = undefined;
  }
  if (sameAppStatuses(previous, next)) return false;
  await bucket.putJson(STATUS_KEY, next);
  return true;
}
