import type { BucketStore } from '../adapters/object-store';
import { cycleKeys } from '../contracts/keys';
import {
  decideLease,
  type PendingRotation,
  parseStage,
  type Stage,
  type StageLease,
} from '../core/rotation-plan';

/** Parses a stage without ever quoting it: it holds secrets. */
function readStage(text: string): Stage {
  try {
    return parseStage(JSON.parse(text));
  } catch {
    return {};
  }
}

/**
 * Takes the app's lease: `_mint/pending/<app-id>.json`, created only if absent (S3's If-None-Match), so
 * of two executions exactly one rotates the app. A stage whose lease was released (a failed attempt) or
 * has expired (a killed process) is taken over with If-Match (again exactly one wins), and its staged
 * rotation returned; an unexpired lease means the app is busy, whoever holds it.
 */
export async function takeLease(
  ports: { bucket: BucketStore },
  app: { appId: string },
  lease: StageLease,
  now: Date,
): Promise<{ etag: string; staged?: PendingRotation } | { busy: string }> {
  const key = cycleKeys.pending(app.appId);
  const created = await ports.bucket.putJsonIf(key, { lease }, { ifAbsent: true });
  if (created !== undefined) return { etag: created };
  const existing = await ports.bucket.getTextWithEtag(key);
  if (!existing) {
    // Deleted between the two calls: its holder finished.
    const again = await ports.bucket.putJsonIf(key, { lease }, { ifAbsent: true });
    return again !== undefined ? { etag: again } : { busy: 'another execution took the lease first' };
  }
  const stage = readStage(existing.text);
  if (decideLease(stage, now) === 'busy') {
    return { busy: `cycle ${stage.lease?.cycle} holds its lease since ${stage.lease?.at}` };
  }
  const taken = await ports.bucket.putJsonIf(
    key,
    { lease, ...(stage.rotation ? { rotation: stage.rotation } : {}) },
    { ifMatch: existing.etag },
  );
  if (taken === undefined) return { busy: 'another execution took the lease first' };
  return { etag: taken, ...(stage.rotation ? { staged: stage.rotation } : {}) };
}
