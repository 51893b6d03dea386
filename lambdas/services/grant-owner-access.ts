import * as z from 'zod';
import type { IdentityStore } from '../adapters/identity-store';
import type { BucketStore } from '../adapters/object-store';
import type { GrantChange, ReconcileFailure } from '../contracts/steps';
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
  readersByApp,
  readersFromTag,
  readersTagValue,
} from '../core/owners';
import type { ManagedUser } from './reconcile-service-users';

export interface GrantResult {
  /** Apps whose reader accounts changed (or would change, on a dry run). */
  changes: GrantChange[];
  /** Changes left for a later invocation: more than this one's share of the IAM write rate. */
  deferred?: number;
  /** Active apps that no account outside Mint's can read: their team has no owner account. */
  unreadable: string[];
  failures: ReconcileFailure[];
  /** Why the owner mapping was not applied; then nothing changed and no app is counted unreadable. */
  ownersError?: string;
  /**
   * The users with the reader tag they should have: rotation publishes with it, so a version published
   * in this cycle never restores accounts a failed retag was meant to revoke. On a dry run, unchanged.
   */
  users: ManagedUser[];
}

export type OwnerMappingRead = { mapping: OwnerMapping } | { error: string };

/**
 * The owner mapping from the bucket: none yet means no owners; an invalid one is reported with every
 * bad entry named and changes nothing.
 */
export async function readOwnerMapping(bucket: BucketStore): Promise<OwnerMappingRead> {
  try {
    // Parsed in two steps so that every bad entry is named (parseOwnerMapping's messages), not only the first.
    const value = await bucket.getJson(OWNERS_KEY, z.unknown());
    return { mapping: value === undefined ? NO_OWNERS : parseOwnerMapping(value) };
  } catch (error) {
    return { error: describeError(error) };
  }
}

/** The reader tag a user gets at creation, so a new app needs no grant call of its own. */
export function newUserReaderTags(
  owners: OwnerMappingRead,
  apps: readonly KioApp[],
): (appId: string) => Record<string, string> {
  if (!('mapping' in owners)) return () => ({});
  const readersOf = readersByApp(apps, owners.mapping);
  return (appId) => ({ [READERS_TAG]: readersTagValue(readersOf(appId)) });
}

/**
 * Makes each app's reader accounts match the owner mapping. The grant itself is the `mint:readers` tag
 * on the app's credentials.json, which the bucket policy matches against the caller's account; the same
 * tag on the user remembers it, so finding what changed costs no call per app. A change retags the
 * object first (a revocation takes effect in this cycle), then the user. Every new version the rotation
 * publishes carries the user's tag.
 */
export async function grantOwnerAccess(
  ports: { identity: IdentityStore; bucket: BucketStore },
  request: {
    apps: readonly KioApp[];
    users: readonly ManagedUser[];
    owners: OwnerMappingRead;
    dryRun: boolean;
    /**
     * Changes this invocation may make (two writes each, one to IAM): what the IAM write rate allows in
     * part of the function's timeout. The rest wait for the next invocation or cycle (`deferred`).
     */
    maxChanges?: number;
  },
): Promise<GrantResult> {
  // An unusable mapping changes no grant: applying part of it could revoke a whole team.
  if ('error' in request.owners) {
    return {
      changes: [],
      unreadable: [],
      failures: [],
      ownersError: request.owners.error,
      users: [...request.users],
    };
  }
  const readersOf = readersByApp(request.apps, request.owners.mapping);
  const planned = request.users.map((user) => {
    const wanted = readersOf(user.appId);
    return { user, wanted, value: readersTagValue(wanted) };
  });
  // A user without the tag (created before owner accounts existed) and no owner is not a change.
  const wanted = planned.filter(({ user, value }) => (user.tags[READERS_TAG] ?? '') !== value);
  const changed = request.dryRun ? wanted : wanted.slice(0, request.maxChanges ?? wanted.length);
  // A deferred change keeps the user's tag as it is, so a rotation publishes with the readers in force.
  const deferredApps = new Set(wanted.slice(changed.length).map(({ user }) => user.appId));
  const result: GrantResult = {
    deferred: deferredApps.size,
    changes: changed.map(({ user, wanted }) => ({
      appId: user.appId,
      from: readersFromTag(user.tags[READERS_TAG]),
      to: wanted,
    })),
    unreadable: planned.filter(({ wanted }) => wanted.length === 0).map(({ user }) => user.appId),
    failures: [],
    users: request.dryRun
      ? [...request.users]
      : planned.map(({ user, value }) =>
          deferredApps.has(user.appId) ? user : { ...user, tags: { ...user.tags, [READERS_TAG]: value } },
        ),
  };
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
  return result;
}
