import type { BucketStore } from '../adapters/bucket-store';
import type { IdentityStore } from '../adapters/identity-store';
import type { KioApp } from '../core/apps';
import { credentialsKey } from '../core/credentials';
import { settleWithConcurrency } from '../core/cycle';
import { describeError } from '../core/errors';
import {
  NO_OWNERS,
  OWNERS_KEY,
  type OwnerMapping,
  parseOwnerMapping,
  READERS_TAG,
  readersOf,
  readersTagValue,
} from '../core/owners';
import type { ManagedUser } from './reconcile-service-users';

export interface GrantChange {
  appId: string;
  from: string[];
  to: string[];
}

export interface GrantResult {
  /** Apps whose reader accounts changed (or would change, on a dry run). */
  changes: GrantChange[];
  /** Active apps that no account outside Mint's can read: their team has no owner account. */
  unreadable: string[];
  failures: { appId: string; step: string; error: string }[];
  /**
   * The users with the reader tag they should have: rotation publishes with it, so a version published
   * in this cycle never restores accounts a failed retag was meant to revoke. On a dry run, unchanged.
   */
  users: ManagedUser[];
}

/**
 * The owner mapping from the bucket: none yet means no owners; an invalid one is reported with every
 * bad entry named and changes nothing.
 */
export async function readOwnerMapping(
  bucket: BucketStore,
): Promise<{ mapping: OwnerMapping } | { error: string }> {
  try {
    const value = await bucket.getJson(OWNERS_KEY);
    return { mapping: value === undefined ? NO_OWNERS : parseOwnerMapping(value) };
  } catch (error) {
    return { error: describeError(error) };
  }
}

const accountsOf = (tag: string | undefined) => (tag ? tag.split(' ') : []);

/**
 * Makes each app's reader accounts match the owner mapping. The grant itself is the `mint:readers` tag
 * on the app's credentials.json, which the bucket policy matches against the caller's account; the same
 * tag on the user remembers it, so finding what changed costs no call per app. A change retags the
 * object first (a revocation takes effect in this cycle), then the user. Every new version the rotation
 * publishes carries the user's tag.
 */
export async function grantOwnerAccess(
  ports: { identity: IdentityStore; bucket: BucketStore },
  request: { apps: readonly KioApp[]; users: readonly ManagedUser[]; owners: OwnerMapping; dryRun: boolean },
): Promise<GrantResult> {
  const teams = new Map(request.apps.map((app) => [app.id, app.teamId]));
  const result: GrantResult = { changes: [], unreadable: [], failures: [], users: [] };
  const changed: { user: ManagedUser; value: string }[] = [];
  const wantedTags = new Map<string, string>();
  for (const user of request.users) {
    const wanted = readersOf({ id: user.appId, teamId: teams.get(user.appId) ?? '' }, request.owners);
    if (wanted.length === 0) result.unreadable.push(user.appId);
    const value = readersTagValue(wanted);
    wantedTags.set(user.appId, value);
    const current = user.tags[READERS_TAG];
    if (current === value) continue;
    result.changes.push({ appId: user.appId, from: accountsOf(current), to: wanted });
    changed.push({ user, value });
  }
  if (!request.dryRun) {
    // IAM throttles tag writes: a moderate fan-out, as for rotation.
    const outcomes = await settleWithConcurrency(changed, 8, async ({ user, value }) => {
      await ports.bucket.tagObject(credentialsKey(user.appId), { [READERS_TAG]: value });
      await ports.identity.tagUser(user.userName, { [READERS_TAG]: value });
    });
    outcomes.forEach((outcome, index) => {
      const change = changed[index];
      if (change && outcome.status === 'rejected') {
        result.failures.push({
          appId: change.user.appId,
          step: 'grant-access',
          error: describeError(outcome.reason),
        });
      }
    });
  }
  result.users = request.dryRun
    ? [...request.users]
    : request.users.map((user) => ({
        ...user,
        tags: { ...user.tags, [READERS_TAG]: wantedTags.get(user.appId) ?? '' },
      }));
  return result;
}
