import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { buildStatusDocument } from '../core/app-status';
import type { ParsedApps } from '../core/apps';
import { chunk, cycleKeys } from '../core/cycle';
import { describeCyclePlan } from '../core/cycle-plan';
import { planDueApps } from '../core/due';
import { METRICS } from '../core/metrics';
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
  const result = await reconcileServiceUsers(runtime, {
    kio,
    boundaryArn: settings.boundaryArn,
    maxDeletions: settings.maxDeletionsPerCycle,
    onlyApps: cycle.options.apps,
    dryRun: cycle.options.dryRun,
  });
  if (result.plan.deletionsBlocked) {
    logger.error('deletions blocked by the per-cycle cap; nothing was deleted', {
      ...result.plan.deletionsBlocked,
    });
  }
  for (const failure of result.failures) logger.error('service user not reconciled', failure);
  if (!cycle.options.dryRun) {
    // Every app's state as of this cycle's start: the previous cycles' attempts, counted on the users.
    await writeStatusIfChanged(
      runtime.bucket,
      buildStatusDocument({
        users: result.managed,
        failures: result.failures,
        cycle: cycle.id,
        now: runtime.now(),
      }),
    );
  }

  const due = planDueApps(result.users, settings.policy, runtime.now(), {
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
    failureCount: result.failures.length,
    failures: result.failures.slice(0, REPORTED),
    dryRun: cycle.options.dryRun,
    ...(planKey ? { planKey } : {}),
  };
}

export const handler = mintHandler(reconcile);
