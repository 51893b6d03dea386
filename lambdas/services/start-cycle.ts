import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CycleRegistry } from '../adapters/cycle-registry';
import { logger, metrics } from '../adapters/telemetry';
import type { CycleRef, StartCycleOutput } from '../contracts/steps';
import { anotherCycleRunning } from '../core/cycle';
import { parseRunInput } from '../core/run-input';

export interface StartCycleRequest {
  input: unknown;
  executionArn: string;
  executionName: string;
  startTime: string;
  stateMachineArn: string;
}

/** Validates the run input and makes sure only one cycle runs at a time. */
export async function startCycle(
  ports: { cycles: CycleRegistry; settings: { cycleGuard: 'stepfunctions' | 'off' } },
  request: StartCycleRequest,
): Promise<StartCycleOutput> {
  const cycle: CycleRef = {
    id: request.executionName,
    executionArn: request.executionArn,
    stateMachineArn: request.stateMachineArn,
    startedAt: request.startTime,
    options: parseRunInput(request.input),
  };
  if (ports.settings.cycleGuard === 'stepfunctions') {
    const running = await ports.cycles.running(request.stateMachineArn);
    const self = { executionArn: request.executionArn, startDate: new Date(request.startTime) };
    if (anotherCycleRunning(running, self)) {
      logger.info('another cycle is running; this one ends without touching anything', { cycle: cycle.id });
      metrics.addMetric('CyclesSkipped', MetricUnit.Count, 1);
      return { cycle, proceed: false };
    }
  }
  logger.info('cycle started', { cycle: cycle.id, options: cycle.options });
  metrics.addMetric('CyclesStarted', MetricUnit.Count, 1);
  return { cycle, proceed: true };
}
