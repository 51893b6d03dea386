import { ports } from '../adapters/ports';
import {
  type ReconcileOutput,
  type RetryServiceUsersOutput,
  reconcileInputSchema,
  retryServiceUsersInputSchema,
} from '../contracts/steps';
import { reconcileCycle } from '../services/reconcile-cycle';
import { retryFailedServiceUsers } from '../services/retry-service-users';
import { parseEvent } from './events';
import { byPhase, lambdaEntry, type RuntimeBuilder, type Step, type StepRuntime } from './runtime';

export type ReconcileRuntime = StepRuntime<'reconcile', 'bucket' | 'identity' | 'now'>;

/** ReconcileServiceUsers: makes service users match Kio and splits the due apps into batches. */
export const reconcileStep =
  (runtime: ReconcileRuntime): Step<ReconcileOutput> =>
  async (event) =>
    reconcileCycle(runtime, parseEvent(reconcileInputSchema, event, 'Reconcile'));

/** RetryServiceUsers: the users Reconcile could not reconcile, once more and only those. */
export const retryServiceUsersStep =
  (runtime: ReconcileRuntime): Step<RetryServiceUsersOutput> =>
  async (event) =>
    retryFailedServiceUsers(runtime, parseEvent(retryServiceUsersInputSchema, event, 'RetryServiceUsers'));

/** One function, two steps (same permissions, same code): `phase` tells them apart. */
/** The ports Reconcile's function uses, built as Lambda builds them (and as the local engine does). */
export const buildReconcileRuntime: RuntimeBuilder<'reconcile', ReconcileRuntime> = (settings, clients) => ({
  settings,
  bucket: ports.bucket(settings, clients),
  identity: ports.identity(settings, clients),
  now: () => new Date(clients.clock.now()),
});

export const handler = lambdaEntry('reconcile', buildReconcileRuntime, (runtime) =>
  byPhase(reconcileStep(runtime), retryServiceUsersStep(runtime)),
);
