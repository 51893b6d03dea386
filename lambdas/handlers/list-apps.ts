import { ports } from '../adapters/ports';
import { type ListAppsOutput, listAppsInputSchema } from '../contracts/steps';
import { snapshotKioApps } from '../services/list-apps';
import { parseEvent } from './events';
import { lambdaEntry, type RuntimeBuilder, type Step, type StepRuntime } from './runtime';

/** Time ListApps keeps for itself after reading Kio: writing the snapshot and returning. */
export const LIST_APPS_MARGIN_MS = 10_000;

export type ListAppsRuntime = StepRuntime<'listApps', 'bucket' | 'fetchKio'>;

/** ListApps: reads Kio once and stores the snapshot the rest of the cycle works from. */
export const listAppsStep =
  (runtime: ListAppsRuntime): Step<ListAppsOutput> =>
  async (event, context) => {
    const { cycle } = parseEvent(listAppsInputSchema, event, 'ListApps');
    // Kio's Retry-After is honoured only while it fits the step's time budget.
    const budget = context ? () => context.getRemainingTimeInMillis() - LIST_APPS_MARGIN_MS : undefined;
    return snapshotKioApps(runtime, cycle, budget);
  };

/** The ports ListApps' function uses, built as Lambda builds them (and as the local engine does). */
export const buildListAppsRuntime: RuntimeBuilder<'listApps', ListAppsRuntime> = (settings, clients) => ({
  settings,
  bucket: ports.bucket(settings, clients),
  fetchKio: ports.fetchKio(settings, clients),
});

export const handler = lambdaEntry('listApps', buildListAppsRuntime, listAppsStep);
