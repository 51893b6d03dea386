/**
 * The bucket's key layout: every object Mint reads or writes, and the patterns its functions are granted
 * on. Both live here so that a new object and its grant are written together: `lib/permissions.ts` builds
 * every S3 grant from `KEY_PATTERNS`, and the authorization tier fails any call outside them.
 *
 * App ids match `^[a-z][a-z0-9-]*[a-z0-9]$`, so `_mint/` can never collide with an app's prefix.
 */
import { credentialsKey } from '../../packages/agent/src/document';
import { isAppId } from '../core/apps';

export const MINT_PREFIX = '_mint/';

/**
 * The published contract, `s3://<bucket>/<app-id>/credentials.json`: defined once, in the package app
 * teams install (@mint/agent reads where Mint writes).
 */
export { credentialsKey };

/** Who may read which app's credentials: the platform team's input. */
export const OWNERS_KEY = `${MINT_PREFIX}owners.json`;

/** Every app's state, rebuilt by Reconcile: what on-call and `mint status` read. */
export const STATUS_KEY = `${MINT_PREFIX}status.json`;

export const cycleKeys = {
  folder: (cycleId: string) => `${MINT_PREFIX}cycles/${cycleId}/`,
  apps: (cycleId: string) => `${MINT_PREFIX}cycles/${cycleId}/apps.json`,
  batch: (cycleId: string, index: number) =>
    `${MINT_PREFIX}cycles/${cycleId}/batches/${String(index).padStart(5, '0')}.json`,
  /** Outcomes sit beside, never on top of, the batch file: a retried task must re-read its apps. */
  outcome: (batchKey: string) => batchKey.replace(/\/(batches|retry)\//, '/$1-outcomes/'),
  retryBatch: (cycleId: string, index: number) =>
    `${MINT_PREFIX}cycles/${cycleId}/retry/${String(index).padStart(5, '0')}.json`,
  report: (cycleId: string) => `${MINT_PREFIX}cycles/${cycleId}/report.json`,
  /** A dry run's full plan. */
  plan: (cycleId: string) => `${MINT_PREFIX}cycles/${cycleId}/plan.json`,
  /** An app's lease and staged rotation: holds secrets, readable by rotation only. */
  pending: (appId: string) => `${MINT_PREFIX}pending/${appId}.json`,
  pendingFolder: `${MINT_PREFIX}pending/`,
};

/** The app whose stage `key` is (a key listed under `cycleKeys.pendingFolder`), if it is one. */
export function stagedAppId(key: string): string | undefined {
  if (!key.startsWith(cycleKeys.pendingFolder) || !key.endsWith('.json')) return undefined;
  const appId = key.slice(cycleKeys.pendingFolder.length, -'.json'.length);
  return isAppId(appId) ? appId : undefined;
}

/**
 * The object patterns (S3 ARN wildcards after `<bucket>/`) that grants name. Each key function above
 * produces keys inside exactly one of them (a unit test checks it).
 */
export const KEY_PATTERNS = {
  /** Every app's published file. (`*` also matches `_mint/.../credentials.json`, which Mint never writes.) */
  credentials: credentialsKey('*'),
  pending: `${MINT_PREFIX}pending/*`,
  cycles: `${MINT_PREFIX}cycles/*`,
  /** A cycle's Kio snapshot, written by ListApps. */
  snapshots: `${MINT_PREFIX}cycles/*/apps.json`,
  /** A cycle's batch files and retry batch files: the apps each RotateBatch invocation takes. */
  batches: `${MINT_PREFIX}cycles/*/batches/*`,
  retryBatches: `${MINT_PREFIX}cycles/*/retry/*`,
  /** What each RotateBatch invocation writes back: its apps' outcomes, beside its batch file. */
  batchOutcomes: `${MINT_PREFIX}cycles/*/batches-outcomes/*`,
  retryOutcomes: `${MINT_PREFIX}cycles/*/retry-outcomes/*`,
  owners: OWNERS_KEY,
  status: STATUS_KEY,
  /** Everything that is Mint's own state. */
  mintState: `${MINT_PREFIX}*`,
} as const;

export type KeyPattern = keyof typeof KEY_PATTERNS;

/**
 * The S3 user metadata (`x-amz-meta-mint-key-id`) naming the store's id of the secret a credentials.json
 * version holds, when the document cannot say (a Cognito client's secrets share its client_id). It is
 * written with the version itself, so it is never stale, and reading it costs nothing extra.
 */
export const PUBLISHED_KEY_ID_METADATA = 'mint-key-id';
