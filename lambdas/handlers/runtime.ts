import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type AwsClients, createAwsClients } from '../adapters/aws-clients';
import type { Ports } from '../adapters/ports';
import { logger, metrics } from '../adapters/telemetry';
import {
  type FunctionSettings,
  identityWriteRate,
  type MintFunction,
  readFunctionSettings,
} from '../contracts/settings';
import { isRetryPhase } from '../contracts/steps';

/** What one step is built from: its function's settings and the ports it uses. */
export type StepRuntime<F extends MintFunction, P extends keyof Ports> = {
  settings: FunctionSettings<F>;
} & Pick<Ports, P>;

/**
 * How a function builds its step's runtime from its settings and clients: one per handler, used by its
 * Lambda entry and by the local engine alike, so local runs exercise the wiring Lambda runs.
 */
export type RuntimeBuilder<F extends MintFunction, Runtime> = (
  settings: FunctionSettings<F>,
  clients: AwsClients,
) => Runtime;

/** A step as the workflow calls it: the Lambda context is there when Lambda runs it. */
export type Step<R> = (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<R>;

/** Wraps a step: structured logs with the Lambda context, metrics flushed as EMF after each call. */
export function mintHandler<R>(step: (event: unknown, context: Context) => Promise<R>) {
  return middy(step).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/**
 * A Lambda entry point: on the first invocation it reads its function's settings from the environment
 * the stack gave it and builds the step's runtime, once per container.
 */
export function lambdaEntry<F extends MintFunction, Runtime, R>(
  fn: F,
  build: RuntimeBuilder<F, Runtime>,
  step: (runtime: Runtime) => Step<R>,
) {
  let built: Step<R> | undefined;
  return mintHandler((event, context) => {
    if (!built) {
      const settings = readFunctionSettings(fn, process.env);
      built = step(
        build(settings, createAwsClients(settings, {}, { writesPerSecond: identityWriteRate(settings) })),
      );
    }
    return built(event, context);
  });
}

/** One function serving two steps (same permissions, same code): `phase: 'retry'` picks the second. */
export function byPhase<A, B>(first: Step<A>, retry: Step<B>): Step<A | B> {
  return (event, context) => (isRetryPhase(event) ? retry(event, context) : first(event, context));
}
