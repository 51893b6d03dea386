import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BucketStore } from '../adapters/object-store';
import { logger, metrics } from '../adapters/telemetry';
import { cycleKeys } from '../contracts/keys';
import type { CycleRef, ListAppsOutput } from '../contracts/steps';
import { parseKioApps } from '../core/apps';

const REPORTED_INVALID = 20;

/** Reads Kio once, validates every app, and stores the snapshot the rest of the cycle works from. */
export async function snapshotKioApps(
  ports: { bucket: BucketStore; fetchKio(budgetMs?: () => number): Promise<string> },
  cycle: CycleRef,
  budgetMs?: () => number,
): Promise<ListAppsOutput> {
  const parsed = parseKioApps(await ports.fetchKio(budgetMs));
  for (const bad of parsed.invalid)
    logger.warn('skipping invalid Kio app', { app: bad.ref, reason: bad.reason });
  const key = cycleKeys.apps(cycle.id);
  await ports.bucket.putJson(key, parsed);
  const active = parsed.apps.filter((app) => app.active).length;
  metrics.addMetric('InvalidApps', MetricUnit.Count, parsed.invalid.length);
  return {
    key,
    active,
    inactive: parsed.apps.length - active,
    invalidCount: parsed.invalid.length,
    invalid: parsed.invalid.slice(0, REPORTED_INVALID),
  };
}
