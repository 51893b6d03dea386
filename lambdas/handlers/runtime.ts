import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DEFAULT_KEY_TEST, testAccessKey } from '../adapters/access-key-tester';
import { type AwsClients, type AwsTarget, createAwsClients } from '../adapters/aws-clients';
import { type BucketStore, S3BucketStore } from '../adapters/bucket-store';
import { type CycleRegistry, StepFunctionsCycleRegistry } from '../adapters/cycle-registry';
import { IamIdentityStore } from '../adapters/iam-identity-store';
import type { IdentityStore } from '../adapters/identity-store';
import { fetchKioApps, secretsManagerToken } from '../adapters/kio-client';
import { logger, metrics } from '../adapters/telemetry';
import {
  type FunctionSettings,
  type MintFunction,
  readFunctionSettings,
  type SettingValues,
} from '../contracts/settings';
import { generatePassword } from '../core/password';
import type { RotationPorts } from '../services/rotate-app';

export { logger, metrics };

/** Everything a step touches outside its own code. Each handler names the part it needs. */
export interface Ports extends RotationPorts {
  identity: IdentityStore;
  bucket: BucketStore;
  cycles: CycleRegistry;
  /** `budgetMs`: how long the read may still take (the step's remaining time minus a margin). */
  fetchKio(budgetMs?: () => number): Promise<string>;
}

/** What one step is built from: its function's settings and the ports it uses. */
export type StepRuntime<F extends MintFunction, P extends keyof Ports> = {
  settings: FunctionSettings<F>;
} & Pick<Ports, P>;

/** A step as the workflow calls it: the Lambda context is there when Lambda runs it. */
export type Step<R> = (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<R>;

export const ports = {
  bucket: (settings: Pick<SettingValues, 'bucket'>, clients: AwsClients): BucketStore =>
    new S3BucketStore(clients.s3(), settings.bucket),
  identity: (settings: Pick<SettingValues, 'userPath' | 'boundaryArn'>, clients: AwsClients): IdentityStore =>
    new IamIdentityStore(clients.iam(), { path: settings.userPath, boundaryArn: settings.boundaryArn }),
  cycles: (clients: AwsClients): CycleRegistry => new StepFunctionsCycleRegistry(clients.sfn()),
  fetchKio:
    (settings: Pick<SettingValues, 'kioUrl' | 'kioTokenSecret' | 'kioRetries'>, clients: AwsClients) =>
    (budgetMs?: () => number): Promise<string> =>
      fetchKioApps({
        baseUrl: settings.kioUrl,
        retries: settings.kioRetries,
        budgetMs,
        token: settings.kioTokenSecret
          ? secretsManagerToken(clients.secrets(), settings.kioTokenSecret)
          : undefined,
      }),
  rotation: (clients: AwsClients): Omit<RotationPorts, 'identity' | 'bucket'> => ({
    testAccessKey: (key, arn) =>
      testAccessKey(key, arn, { ...DEFAULT_KEY_TEST, clientConfig: clients.config }),
    generatePassword: (policy) => generatePassword(policy),
    now: () => new Date(),
  }),
};

/**
 * Every port at once, over one set of settings: what the local runner and the benchmark give all five
 * functions in one process. `replace` swaps parts, such as the clock the local runner moves forward.
 */
export function createRuntime(
  settings: SettingValues,
  options: { target?: AwsTarget; replace?: Partial<Ports> } = {},
): { settings: SettingValues } & Ports {
  const clients = createAwsClients(settings, options.target);
  return {
    settings,
    bucket: ports.bucket(settings, clients),
    identity: ports.identity(settings, clients),
    cycles: ports.cycles(clients),
    fetchKio: ports.fetchKio(settings, clients),
    ...ports.rotation(clients),
    ...options.replace,
  };
}

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
  build: (settings: FunctionSettings<F>, clients: AwsClients) => Runtime,
  step: (runtime: Runtime) => Step<R>,
) {
  let built: Step<R> | undefined;
  return mintHandler((event, context) => {
    if (!built) {
      const settings = readFunctionSettings(fn, process.env);
      built = step(build(settings, createAwsClients(settings)));
    }
    return built(event, context);
  });
}
