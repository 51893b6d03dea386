import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { testAccessKey } from '../adapters/access-key-tester';
import { awsClients } from '../adapters/aws-clients';
import { BucketStore } from '../adapters/bucket-store';
import { type CycleRegistry, StepFunctionsCycleRegistry } from '../adapters/cycle-registry';
import { IamIdentityStore, type IdentityStore } from '../adapters/identity-store';
import { fetchKioApps, secretsManagerToken } from '../adapters/kio-client';
import { METRICS } from '../core/metrics';
import { generatePassword } from '../core/password';
import { parseSettings, type Settings } from '../core/settings';
import type { RotationPorts } from '../services/rotate-app';

export const logger = new Logger({ serviceName: METRICS.service });
export const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });

/** Everything a handler touches outside its own code, built once per container from the environment. */
export interface Runtime extends RotationPorts {
  settings: Settings;
  identity: IdentityStore;
  bucket: BucketStore;
  cycles: CycleRegistry;
  /** `budgetMs`: how long the read may still take (the step's remaining time minus a margin). */
  fetchKio(budgetMs?: () => number): Promise<string>;
}

let runtime: Runtime | undefined;
let overrides: Partial<Runtime> = {};

export function getRuntime(): Runtime {
  if (runtime) return runtime;
  const settings = parseSettings(process.env);
  const kioUrl = settings.kioUrl;
  const tokenSecret = settings.kioTokenSecret;
  const cycles = new StepFunctionsCycleRegistry(awsClients.sfn());
  runtime = {
    settings,
    identity: new IamIdentityStore(awsClients.iam(), {
      path: settings.userPath,
      boundaryArn: settings.boundaryArn,
    }),
    bucket: new BucketStore(awsClients.s3(), settings.bucket),
    cycles,
    fetchKio: (budgetMs) => {
      if (!kioUrl) throw new Error('MINT_KIO_URL is not set; set the mint:kioUrl context value and redeploy');
      return fetchKioApps({
        baseUrl: kioUrl,
        retries: settings.kioRetries,
        budgetMs,
        token: tokenSecret ? secretsManagerToken(awsClients.secrets(), tokenSecret) : undefined,
      });
    },
    testAccessKey: (key, arn) => testAccessKey(key, arn),
    generatePassword: (policy) => generatePassword(policy),
    now: () => new Date(),
    ...overrides,
  };
  return runtime;
}

/**
 * Forgets the cached runtime, for tests and the local runner that change the environment between
 * cycles. `replace` swaps parts of the next runtime, such as the clock the local runner moves forward;
 * a deployed Lambda never calls this.
 */
export function resetRuntime(replace: Partial<Runtime> = {}): void {
  runtime = undefined;
  overrides = replace;
}

/** Wraps a step: structured logs with the Lambda context, metrics flushed as EMF after each call. */
export function mintHandler<E, R>(step: (event: E, context: Context) => Promise<R>) {
  return middy(step).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
