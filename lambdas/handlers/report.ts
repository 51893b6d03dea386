import { type ReportOutput, recordRetryInputSchema, reportInputSchema } from '../contracts/steps';
import { recordRetry, writeCycleReport } from '../services/write-report';
import { parseEvent } from './events';
import { byPhase, lambdaEntry, ports, type Step, type StepRuntime } from './runtime';

export type ReportRuntime = StepRuntime<'report', 'bucket' | 'now'>;

/** Report: writes the cycle report and prepares the retry of failed apps. */
export const reportStep =
  (runtime: ReportRuntime): Step<ReportOutput> =>
  async (event) =>
    writeCycleReport(runtime, parseEvent(reportInputSchema, event, 'Report'));

/** RecordRetry: adds a successful retry pass to the cycle report. */
export const recordRetryStep =
  (runtime: ReportRuntime): Step<{ recovered: number }> =>
  async (event) =>
    recordRetry(runtime, parseEvent(recordRetryInputSchema, event, 'RecordRetry'));

/** One function, two steps (same permissions, same code): `phase` tells them apart. */
export const handler = lambdaEntry(
  'report',
  (settings, clients): ReportRuntime => ({
    settings,
    bucket: ports.bucket(settings, clients),
    now: () => new Date(),
  }),
  (runtime) => byPhase(reportStep(runtime), recordRetryStep(runtime)),
);
