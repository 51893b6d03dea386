import { ports } from '../adapters/ports';
import { type StartCycleOutput, startCycleInputSchema } from '../contracts/steps';
import { startCycle } from '../services/start-cycle';
import { parseEvent } from './events';
import { lambdaEntry, type RuntimeBuilder, type Step, type StepRuntime } from './runtime';

export type StartCycleRuntime = StepRuntime<'startCycle', 'cycles'>;

/** StartCycle: validates the run input and makes sure only one cycle runs at a time. */
export const startCycleStep =
  (runtime: StartCycleRuntime): Step<StartCycleOutput> =>
  async (event) =>
    startCycle(runtime, parseEvent(startCycleInputSchema, event, 'StartCycle'));

/** The ports StartCycle's function uses, built as Lambda builds them (and as the local engine does). */
export const buildStartCycleRuntime: RuntimeBuilder<'startCycle', StartCycleRuntime> = (
  settings,
  clients,
) => ({
  settings,
  cycles: ports.cycles(clients),
});

export const handler = lambdaEntry('startCycle', buildStartCycleRuntime, startCycleStep);
