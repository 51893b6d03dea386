import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { parseKioApps } from '../core/apps';
import { cycleKeys } from '../core/cycle';
import { cycleSchema, parseEvent } from './events';
import { getRuntime, logger, metrics, mintHandler } from './runtime';

const REPORTED_INVALID = 20;
/** Time ListApps keeps for itself after reading Kio: writing the snapshot and returning. */
export const LIST_APPS_MARGIN_MS = 10_000;

export interface ListAppsResult {
  key: string;
  active: number;
  inactive: number;
  invalidCount: number;
  /** The first invalid apps, enough to act on; the full list is in the snapshot. */
  invalid: { ref: string; reason: string }[];
}

/** Reads Kio once, validates every app, and stores the snapshot the rest of the cycle works from. */
export async function listApps(
  event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<ListAppsResult> {
  const { cycle } = parseEvent(z.object({ cycle: cycleSchema }), event, 'ListApps');
  const runtime = getRuntime();
  const parsed = parseKioApps(
    await runtime.fetchKio(
      // Kio's Retry-After is honoured only while it fits the step's time budget.
      context ? () => context.getRemainingTimeInMillis() - LIST_APPS_MARGIN_MS : undefined,
    ),
  );
  for (const bad of parsed.invalid)
    logger.warn('skipping invalid Kio app', { app: bad.ref, reason: bad.reason });
  const key = cycleKeys.apps(cycle.id);
  await runtime.bucket.putJson(key, parsed);
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

export const handler = mintHandler(listApps);
