import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { anotherCycleRunning, type CycleRef } from '../core/cycle';
import { parseRunInput } from '../core/run-input';
import { parseEvent } from './events';
import { getRuntime, logger, metrics, mintHandler } from './runtime';

const eventSchema = z.object({
  input: z.unknown(),
  executionArn: z.string(),
  executionName: z.string(),
  startTime: z.string(),
  stateMachineArn: z.string(),
});

export interface StartCycleResult {
  cycle: CycleRef;
  /** False when another cycle is running: this one ends at once, having touched nothing. */
  proceed: boolean;
}

/** Validates the run input and makes sure only one cycle runs at a time. */
export async function startCycle(event: unknown): Promise<StartCycleResult> {
  const e = parseEvent(eventSchema, event, 'StartCycle');
  const runtime = getRuntime();
  const cycle: CycleRef = {
    id: e.executionName,
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    startedAt: e.startTime,
    options: parseRunInput(e.input),
  };
  if (runtime.settings.cycleGuard === 'stepfunctions') {
    const running = await runtime.cycles.running(e.stateMachineArn);
    if (anotherCycleRunning(running, { executionArn: e.executionArn, startDate: new Date(e.startTime) })) {
      logger.info('another cycle is running; this one ends without touching anything', { cycle: cycle.id });
      metrics.addMetric('CyclesSkipped', MetricUnit.Count, 1);
      return { cycle, proceed: false };
    }
  }
  logger.info('cycle started', { cycle: cycle.id, options: cycle.options });
  metrics.addMetric('CyclesStarted', MetricUnit.Count, 1);
  return { cycle, proceed: true };
}

export const handler = mintHandler(startCycle);
