import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { buildStatusDocument } from '../core/app-status';
import type { ParsedApps } from '../core/apps';
import { chunk, cycleKeys } from '../core/cycle';
import { describeCyclePlan } from '../core/cycle-plan';
import { planDueApps } from '../core/due';
import { METRICS } from '../core/metrics';
import { OWNERS_KEY, READERS_TAG, readersOf, readersTagValue } from '../core/owners';
import { type GrantChange, grantOwnerAccess, readOwnerMapping } from '../services/grant-owner-access';
import { reconcileServiceUsers } from '../services/reconcile-service-users';
import { writeStatusIfChanged } from '../services/write-status';
import { appsRefSchema, type BatchRef, cycleSchema, parseEvent } from './events';
import { getRuntime, logger, metrics, mintHandler } from './runtime';

const REPORTED = 20;

export interface ReconcileResultRef {
  /** References to the batch files of due apps: the Map's items. Empty on a dry run. */
  batches: BatchRef[];
  due: number;
  created: string[];
  deleted: string[];
  repaired: string[];
  toCreate: number;
  toDelete: number;
  deletionsBlocked?: { wanted: number; cap: number };
  unmanagedUsers: string[];
  failureCount: number;
  failures: { appId: string; step: string; error: string }[];
  /** Reader accounts changed this cycle, and active apps no account outside Mint's can read. */
  grants: {
    changed: number;
    changes: GrantChange[];
    unreadableCount: number;
    unreadable: string[];
    /** Why `_mint/owners.json` was not applied: then no grant changed. */
    ownersError?: string;
  };
  dryRun: boolean;
  /** A dry run's full plan (`_mint/cycles/<id>/plan.json`). */
  planKey?: string;
}

/** Makes service users match Kio, then splits the due apps into batch files for the rotation Map. */
export async function reconcile(event: unknown): Promise<ReconcileResultRef> {
  const { cycle, apps } = parseEvent(
    z.object({ cycle: cycleSchema, apps: appsRefSchema }),
    event,
    'Reconcile',
  );
  const runtime = getRuntime();
  const { settings } = runtime;
  const kio = (await runtime.bucket.getJson(apps.key)) as ParsedApps;
  const owners = await readOwnerMapping(runtime.bucket);
  const teams = new Map(kio.apps.map((app) => [app.id, app.teamId]));
  const newUserTags = (appId: string): Record<string, string> => {
    if (!('mapping' in owners)) return {};
    const readers = readersOf({ id: appId, teamId: teams.get(appId) ?? '' }, owners.mapping);
    return { [READERS_TAG]: readersTagValue(readers) };
  };
  const result = await reconcileServiceUsers(runtime, {
    kio,
    boundaryArn: settings.boundaryArn,
    maxDeletions: settings.maxDeletionsPerCycle,
    onlyApps: cycle.options.apps,
    dryRun: cycle.options.dryRun,
    newUserTags,
  });
  if (result.plan.deletionsBlocked) {
    logger.error('deletions blocked by the per-cycle cap; nothing was deleted', {
      ...result.plan.deletionsBlocked,
    });
  }
  // An unusable owner mapping changes no grant: applying part of it could revoke a whole team.
  const grants =
    'mapping' in owners
      ? await grantOwnerAccess(runtime, {
          apps: kio.apps,
          users: result.users,
          owners: owners.mapping,
          dryRun: cycle.options.dryRun,
        })
      : undefined;
  const users = grants?.users ?? result.users;
  const failures = [
    ...result.failures,
    ...(grants?.failures ?? []),
    ...('error' in owners ? [{ appId: OWNERS_KEY, step: 'read-owners', error: owners.error }] : []),
  ];
  for (const failure of failures) logger.error('service user not reconciled', failure);
  if (grants && grants.unreadable.length > 0) {
    logger.warn('apps no account outside Mint can read: their team has no owner account', {
      count: grants.unreadable.length,
      apps: grants.unreadable.slice(0, REPORTED),
    });
  }
  if (!cycle.options.dryRun) {
    // Every app's state as of this cycle's start: the previous cycles' attempts, counted on the users.
    const granted = new Map(users.map((user) => [user.appId, user.tags]));
    await writeStatusIfChanged(
      runtime.bucket,
      buildStatusDocument({
        users: result.managed.map((user) => ({ ...user, tags: granted.get(user.appId) ?? user.tags })),
        failures: [...result.failures, ...(grants?.failures ?? [])],
        cycle: cycle.id,
        now: runtime.now(),
      }),
    );
  }

  const due = planDueApps(users, settings.policy, runtime.now(), {
    force: cycle.options.force,
    revokePrevious: cycle.options.revokePrevious,
    onlyApps: cycle.options.apps,
  });
  let planKey: string | undefined;
  if (cycle.options.dryRun) {
    planKey = cycleKeys.plan(cycle.id);
    await runtime.bucket.putJson(
      planKey,
      describeCyclePlan(result.plan, due, settings.policy, runtime.now(), {
        force: cycle.options.force,
        revokePrevious: cycle.options.revokePrevious,
        grants: grants ? { changes: grants.changes, unreadable: grants.unreadable } : undefined,
        ownersError: 'error' in owners ? owners.error : undefined,
      }),
    );
  }
  const batches: BatchRef[] = [];
  if (!cycle.options.dryRun && due.length > 0 && due.length <= settings.batchSize) {
    batches.push({ key: cycleKeys.batch(cycle.id, 0), size: due.length, apps: due });
  } else if (!cycle.options.dryRun) {
    for (const [index, apps] of chunk(due, settings.batchSize).entries()) {
      const key = cycleKeys.batch(cycle.id, index);
      await runtime.bucket.putJson(key, apps);
      batches.push({ key, size: apps.length });
    }
  }

  metrics.addMetric('UsersCreated', MetricUnit.Count, result.created.length);
  metrics.addMetric('UsersDeleted', MetricUnit.Count, result.deleted.length);
  metrics.addMetric(METRICS.deletionsBlocked, MetricUnit.Count, result.plan.deletionsBlocked ? 1 : 0);
  metrics.addMetric('AppsDue', MetricUnit.Count, due.length);
  metrics.addMetric('GrantsChanged', MetricUnit.Count, grants?.changes.length ?? 0);
  if (grants) metrics.addMetric('AppsUnreadable', MetricUnit.Count, grants.unreadable.length);
  return {
    batches,
    due: due.length,
    created: result.created.slice(0, REPORTED),
    deleted: result.deleted.slice(0, REPORTED),
    repaired: result.repaired.slice(0, REPORTED),
    toCreate: result.plan.create.length,
    toDelete: result.plan.delete.length,
    ...(result.plan.deletionsBlocked ? { deletionsBlocked: result.plan.deletionsBlocked } : {}),
    unmanagedUsers: result.plan.unmanaged.slice(0, REPORTED),
    failureCount: failures.length,
    failures: failures.slice(0, REPORTED),
    grants: {
      changed: grants?.changes.length ?? 0,
      changes: (grants?.changes ?? []).slice(0, REPORTED),
      unreadableCount: grants?.unreadable.length ?? 0,
      unreadable: (grants?.unreadable ?? []).slice(0, REPORTED),
      ...('error' in owners ? { ownersError: owners.error } : {}),
    },
    dryRun: cycle.options.dryRun,
    ...(planKey ? { planKey } : {}),
  };
}

export const handler = mintHandler(reconcile);
