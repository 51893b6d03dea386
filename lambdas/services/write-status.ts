import { type BucketStore, InvalidDocumentError, InvalidJsonError } from '../adapters/object-store';
import { STATUS_KEY, type StatusDocument, sameAppStatuses, statusDocumentSchema } from '../core/app-status';

/**
 * Writes `_mint/status.json` only when some app's status changed: an idle cycle reads it (one GET) and
 * writes nothing. A damaged old document is replaced; a read S3 refuses (AccessDenied) fails the step.
 */
export async function writeStatusIfChanged(bucket: BucketStore, next: StatusDocument): Promise<boolean> {
  let previous: StatusDocument | undefined;
  try {
    previous = await bucket.getJson(STATUS_KEY, statusDocumentSchema);
  } catch (error) {
    // A damaged document is replaced; a refused or failed read is not "no document" and fails the step.
    if (!(error instanceof InvalidJsonError || error instanceof InvalidDocumentError)) throw error;
    previous = undefined;
  }
  if (sameAppStatuses(previous, next)) return false;
  await bucket.putJson(STATUS_KEY, next);
  return true;
}
