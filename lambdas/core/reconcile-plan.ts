import type { KioApp } from './apps';
import { appIdOf, type ServiceUser } from './service-users';

export interface ReconcileInput {
  apps: readonly KioApp[];
  /** Ids an invalid or repeated Kio entry names (`ParsedApps.held`): their users are never deleted. */
  held: readonly string[];
  /** Kio entries without an app id (`ParsedApps.unidentified`): while any, an unmentioned app is kept. */
  unidentified?: number;
  users: readonly ServiceUser[];
  maxDeletions: number;
  /** A manual run naming apps touches only those. */
  onlyApps?: readonly string[];
}

export interface ServiceUserRef {
  appId: string;
  userName: string;
  /** The app's client, in a store that has clients. */
  clientId?: string;
}

/** A user of an active app that the store found something wrong with, and what (`ServiceUser.repairs`). */
export interface RepairRef extends ServiceUserRef {
  repairs: string[];
}

export interface ReconcilePlan {
  /** Active apps without a user. */
  create: string[];
  /**
   * Users whose app Kio lists, validly and once, as inactive, or does not mention at all; empty when
   * the cap blocked deletions.
   */
  delete: ServiceUserRef[];
  /** Set when more users would be deleted than the cap allows: then nothing is deleted. */
  deletionsBlocked?: { wanted: number; cap: number };
  /** Users of active apps the store needs to repair (a missing boundary, group or app client). */
  repair: RepairRef[];
  /** Users under Mint's path without a valid `mint:app-id` tag (missing, or not an app id): left alone and reported. */
  unmanaged: string[];
  /** Users whose app an invalid or repeated Kio entry names: kept, with their credentials, and not rotated. */
  held: ServiceUserRef[];
  /** Active apps that already have their user. */
  existing: ServiceUserRef[];
}

/** Decides which service users to create, delete and repair so that each active app has exactly one. */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const inScope = input.onlyApps ? new Set(input.onlyApps) : undefined;
  const active = new Set(input.apps.filter((app) => app.active).map((app) => app.id));
  const usersByApp = new Map<string, ServiceUser>();
  const unmanaged: string[] = [];
  for (const user of input.users) {
    const appId = appIdOf(user);
    if (!appId) unmanaged.push(user.userName);
    else usersByApp.set(appId, user);
  }

  const create: string[] = [];
  const existing: ServiceUserRef[] = [];
  const repair: RepairRef[] = [];
  for (const appId of [...active].sort()) {
    if (inScope && !inScope.has(appId)) continue;
    const user = usersByApp.get(appId);
    if (!user) {
      create.push(appId);
      continue;
    }
    const ref = refOf(appId, user);
    existing.push(ref);
    if (user.repairs && user.repairs.length > 0) repair.push({ ...ref, repairs: user.repairs });
  }

  // Deletion needs positive evidence: an id Kio mentions in any doubtful form keeps its user.
  const heldIds = new Set(input.held);
  const listed = new Set(input.apps.map((app) => app.id));
  const held: ServiceUserRef[] = [];
  const doomed: ServiceUserRef[] = [];
  for (const [appId, user] of [...usersByApp].sort(([a], [b]) => a.localeCompare(b))) {
    if (active.has(appId)) continue;
    if (inScope && !inScope.has(appId)) continue;
    // An entry without a usable id could be this app's: not being mentioned is then no evidence.
    const unmentioned = !listed.has(appId);
    if (heldIds.has(appId) || (unmentioned && (input.unidentified ?? 0) > 0)) held.push(refOf(appId, user));
    else doomed.push(refOf(appId, user));
  }
  if (doomed.length > input.maxDeletions) {
    return {
      create,
      delete: [],
      deletionsBlocked: { wanted: doomed.length, cap: input.maxDeletions },
      repair,
      unmanaged,
      held,
      existing,
    };
  }
  return { create, delete: doomed, repair, unmanaged, held, existing };
}

function refOf(appId: string, user: ServiceUser): ServiceUserRef {
  return { appId, userName: user.userName, ...(user.clientId ? { clientId: user.clientId } : {}) };
}
