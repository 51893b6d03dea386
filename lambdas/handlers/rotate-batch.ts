import { ports } from '../adapters/ports';
import { rotationPolicy, storeWriteRate } from '../contracts/settings';
import { type RotateBatchOutput, rotateBatchInputSchema } from '../contracts/steps';
import { rotateBatch } from '../services/rotate-batch';
import { parseEvent } from './events';
import { lambdaEntry, type RuntimeBuilder, type Step, type StepRuntime } from './runtime';

export type RotateBatchRuntime = StepRuntime<
  'rotateBatch',
  | 'identity'
  | 'bucket'
  | 'cycles'
  | 'testClientSecret'
  | 'testSignIn'
  | 'generatePassword'
  | 'now'
  | 'paceIdentityWrites'
>;

/** RotateBatch and RetryBatch: rotates the due apps of one batch. */
export const rotateBatchStep =
  (runtime: RotateBatchRuntime): Step<RotateBatchOutput> =>
  async (event) => {
    const input = parseEvent(rotateBatchInputSchema, event, 'RotateBatch');
    const rate = storeWriteRate(runtime.settings);
    // The Map runs this many batches at once, one Lambda each: this one paces to its share.
    runtime.paceIdentityWrites(rate / (input.batch.concurrency ?? runtime.settings.mapConcurrency));
    return rotateBatch(runtime, { ...input, policy: rotationPolicy(runtime.settings) });
  };

/** The ports RotateBatch's function uses, built as Lambda builds them (and as the local engine does). */
export const buildRotateBatchRuntime: RuntimeBuilder<'rotateBatch', RotateBatchRuntime> = (
  settings,
  clients,
) => ({
  settings,
  bucket: ports.bucket(settings, clients),
  identity: ports.identity(settings, clients),
  cycles: ports.cycles(clients),
  ...ports.rotation(settings, clients),
  paceIdentityWrites: clients.paceIdentityWrites,
});

export const handler = lambdaEntry('rotateBatch', buildRotateBatchRuntime, rotateBatchStep);
