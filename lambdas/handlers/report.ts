import { ports } from '../adapters/ports';
import {
  type RecordRetryOutput,
  type ReportOutput,
  recordRetryInputSchema,
  reportInputSchema,
} from '../contracts/steps';
import { recordRetry, writeCycleReport } from '../services/write-report';
import { parseEvent } from './events';
import { byPhase, lambdaEntry, type RuntimeBuilder, type Step, type StepRuntime } from './runtime';

export type ReportRuntime = StepRuntime<'report', 'bucket' | 'now'>;

/** Report: writes the cycle report and prepares the retry of failed apps. */
export const reportStep =
  (runtime: ReportRuntime): Step<ReportOutput> =>
  async (event) =>
    writeCycleReport(runtime, parseEvent(reportInputSchema, event, 'Report'));

/** RecordRetry: adds a successful retry pass to the cycle report. */
export const recordRetryStep =
  (runtime: ReportRuntime): Step<RecordRetryOutput> =>
  async (event) =>
    recordRetry(runtime, parseEvent(recordRetryInputSchema, event, 'RecordRetry'));

/** One function, two steps (same permissions, same code): `phase` tells them apart. */
/** The ports Report's function uses, built as Lambda builds them (and as the local engine does). */
export const buildReportRuntime: RuntimeBuilder<'report', ReportRuntime> = (settings, clients) => ({
  settings,
  bucket: ports.bucket(settings, clients),
  now: () => new Date(clients.clock.now()),
});

export const handler = lambdaEntry('report', buildReportRuntime, (runtime) =>
  byPhase(reportStep(runtime), recordRetryStep(runtime)),
);
