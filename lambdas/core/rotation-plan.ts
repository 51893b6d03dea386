import * as z from 'zod';
import { type CredentialsDocument, credentialsDocumentSchema } from './credentials';
import type { DueWork } from './due';

/**
 * A rotation staged under `_mint/pending/<app-id>.json` before IAM is changed: the complete document
 * that will be published, and what publishing it means for the user's tags. Holding the whole
 * document (not only the new half) is what lets any later attempt finish the job after a crash.
 */
export interface PendingRotation {
  document: CredentialsDocument;
  /** The store's id of the document's secret, when the document does not name it (`stagedKeyId`). */
  keyId?: string;
  newPassword: boolean;
  newKey: boolean;
  /** The key that becomes "previous" once `document` is published ('' for none). */
  previousKeyId: string;
  /** Keys to delete right after publishing (an emergency revocation). */
  revokeAfterPublish: string[];
  stagedAt: string;
}

export interface RotationFacts {
  /** Ids of the client secrets (IAM: access keys) the app has in the store right now. */
  keyIds: readonly string[];
  /** The key id of the published credentials.json, when it exists and parses. */
  publishedKeyId?: string;
  /**
   * The store refuses to delete a client's last secret (Cognito): an orphan that is the only secret
   * left is deleted after the new secret is published instead of before.
   */
  keepsOneSecret?: boolean;
  /**
   * A credentials document is published but which secret it holds is unknown (the store's mark is
   * missing): the secret kept back may be the live one, so it gets the grace period of a previous key.
   */
  publishedUnidentified?: boolean;
  /** The key the tags say is still in its grace period. */
  previousKeyId?: string;
  pending?: PendingRotation;
  work: DueWork;
  revokePrevious: boolean;
}

export type RotationPlan =
  | { kind: 'blocked'; reason: string; deleteOrphans: string[] }
  | {
      kind: 'act';
      /** Keys that are neither published, previous nor staged: their secret is lost, nobody can use them. */
      deleteOrphans: string[];
      /** Resume this staged rotation instead of generating new secrets. */
      resume?: PendingRotation;
      /** A stale staged rotation whose key no longer exists: throw it away and start over. */
      discardPending: boolean;
      newPassword: boolean;
      newKey: boolean;
      /** Frees the second key slot before creating a key. */
      retireBeforeCreate?: string;
      /** Deleted once the new document is published (or at once when nothing is published). */
      retireAfterPublish: string[];
      /** An orphan among them, kept until then because the store keeps a client's last secret. */
      keptOrphan?: string;
      /** The key that will be "previous" after this rotation ('' for none). */
      nextPreviousKeyId: string;
    };

/** The key a staged rotation publishes: its own id, or (IAM) the access key id the document names. */
export function stagedKeyId(pending: PendingRotation): string {
  return pending.keyId ?? pending.document.client_id;
}

export function planRotation(facts: RotationFacts): RotationPlan {
  const pendingKeyId = facts.pending ? stagedKeyId(facts.pending) : undefined;
  const known = new Set(
    [facts.publishedKeyId, facts.previousKeyId, pendingKeyId].filter((id): id is string => Boolean(id)),
  );
  const orphans = facts.keyIds.filter((id) => !known.has(id));
  const remaining = facts.keyIds.filter((id) => known.has(id));
  // A store that keeps one secret: the last orphan waits for the new secret, then goes with the retired.
  const keptOrphan = facts.keepsOneSecret && remaining.length === 0 ? orphans.at(-1) : undefined;
  const deleteOrphans = orphans.filter((id) => id !== keptOrphan);
  const present = (id: string | undefined): id is string => id !== undefined && remaining.includes(id);

  const pendingUsable = facts.pending !== undefined && present(pendingKeyId);
  if (facts.pending && pendingUsable) {
    return {
      kind: 'act',
      deleteOrphans,
      resume: facts.pending,
      discardPending: false,
      newPassword: false,
      newKey: false,
      retireAfterPublish: facts.pending.revokeAfterPublish.filter(present),
      nextPreviousKeyId: facts.pending.previousKeyId,
    };
  }

  const published = present(facts.publishedKeyId) ? facts.publishedKeyId : undefined;
  const previous =
    present(facts.previousKeyId) && facts.previousKeyId !== published ? facts.previousKeyId : undefined;
  // A stale pending rotation may already have set its password in IAM, so a fresh one is needed.
  const newPassword = facts.work.password || published === undefined || facts.pending !== undefined;
  const newKey = facts.work.accessKey || published === undefined;
  const mayRetirePrevious = facts.work.retirePrevious || facts.revokePrevious;

  let retireBeforeCreate: string | undefined;
  if (newKey && remaining.length + (keptOrphan ? 1 : 0) >= 2) {
    if (previous === undefined || !mayRetirePrevious) {
      return {
        kind: 'blocked',
        deleteOrphans,
        reason:
          `client secret rotation is due but the app already has two (IAM: access keys; Cognito: client secrets) and the previous one ${previous ?? '(unknown)'} ` +
          'is still in its grace period; run again with "revokePrevious": true to retire it now',
      };
    }
    retireBeforeCreate = previous;
  }

  // The kept secret may be what the app uses now: then it waits out the grace period like a previous key.
  const keptInUse = keptOrphan !== undefined && facts.publishedUnidentified === true;
  const retireAfterPublish: string[] = keptOrphan && !keptInUse ? [keptOrphan] : [];
  if (previous !== undefined && previous !== retireBeforeCreate && mayRetirePrevious) {
    retireAfterPublish.push(previous);
  }
  let nextPreviousKeyId = previous !== undefined && !mayRetirePrevious ? previous : '';
  if (newKey) {
    if (published !== undefined && facts.revokePrevious) retireAfterPublish.push(published);
    nextPreviousKeyId = published !== undefined && !facts.revokePrevious ? published : '';
  }
  if (keptInUse && keptOrphan) {
    if (facts.revokePrevious) retireAfterPublish.push(keptOrphan);
    else nextPreviousKeyId = keptOrphan;
  }
  return {
    kind: 'act',
    deleteOrphans,
    discardPending: facts.pending !== undefined,
    newPassword,
    newKey,
    ...(retireBeforeCreate ? { retireBeforeCreate } : {}),
    retireAfterPublish,
    ...(keptOrphan && !keptInUse ? { keptOrphan } : {}),
    nextPreviousKeyId,
  };
}

/**
 * How long a lease holds: longer than the rotation function's timeout (10 minutes, checked by an infra
 * test), so a holder that is still running always outlasts it. A holder that fails releases its lease
 * at once; only a killed process leaves one behind, and it expires after this.
 */
export const LEASE_MS = 11 * 60_000;

/** Who is rotating an app: written with S3's create-only condition before anything changes. */
export interface StageLease {
  /** The cycle (execution name) that holds it. */
  cycle: string;
  executionArn: string;
  at: string;
}

/**
 * `_mint/pending/<app-id>.json`: the app's lease while a rotation runs and, once staged, the rotation it
 * is carrying out. Without a lease (released by a failed attempt) anyone may take it over; a stage
 * without a rotation means keys may have been created whose secret is lost (orphans).
 */
export interface Stage {
  lease?: StageLease;
  rotation?: PendingRotation;
}

const pendingRotationSchema = z.object({
  document: credentialsDocumentSchema,
  newPassword: z.boolean(),
  newKey: z.boolean(),
  keyId: z.string().optional(),
  previousKeyId: z.string(),
  revokeAfterPublish: z.array(z.string()),
  stagedAt: z.string(),
});

const leaseSchema = z.object({ cycle: z.string(), executionArn: z.string(), at: z.string() });

/** `_mint/pending/<app-id>.json` as stored now; `parseStage` also reads earlier shapes. */
export const stageSchema = z.object({
  lease: leaseSchema.optional(),
  rotation: pendingRotationSchema.optional(),
});

/**
 * Reads a stage as stored now, or as earlier versions stored it (the rotation at the top level, no
 * lease). Anything unreadable is a stage with neither: free, and its keys orphans.
 */
export function parseStage(value: unknown): Stage {
  const stage = stageSchema.safeParse(value);
  const legacy = pendingRotationSchema.safeParse(value);
  if (legacy.success) return { rotation: legacy.data };
  if (!stage.success) return {};
  return {
    ...(stage.data.lease ? { lease: stage.data.lease } : {}),
    ...(stage.data.rotation ? { rotation: stage.data.rotation } : {}),
  };
}

/**
 * `busy` while someone holds a lease that has not expired (whichever execution: the Lambda of a
 * stopped, timed-out or redriven execution may still be running); `free` once it was released or has
 * expired.
 */
export function decideLease(stage: Stage, now: Date): 'busy' | 'free' {
  const lease = stage.lease;
  if (!lease) return 'free';
  const age = now.getTime() - new Date(lease.at).getTime();
  return Number.isFinite(age) && age < LEASE_MS ? 'busy' : 'free';
}
