import { type StartCycleOutput, startCycleInputSchema } from '../contracts/steps';
import { startCycle } from '../services/start-cycle';
import { parseEvent } from './events';
import { lambdaEntry, ports, type Step, type StepRuntime } from './runtime';

export type StartCycleRuntime = StepRuntime<'startCycle', 'cycles'>;

/** StartCycle: validates the run input and makes sure only one cycle runs at a time. */
export const startCycleStep =
  (runtime: StartCycleRuntime): Step<StartCycleOutput> =>
  async (event) =>
    startCycle(runtime, parseEvent(startCycleInputSchema, event, 'StartCycle'));

export const handler = lambdaEntry(
  'startCycle',
  (settings, clients): StartCycleRuntime => ({ settings, cycles: ports.cycles(clients) }),
  startCycleStep,
);
