import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type ClientSettings, readClientSettings } from '../contracts/settings';
import {
  type CallPolicy,
  type CallStats,
  callWithPolicy,
  isCognitoWrite,
  isIamWrite,
  rateLimit,
  TokenBucket,
} from '../core/call-policy';
import { type Clock, systemClock } from '../core/clock';

/**
 * How a client talks to AWS: a call that hangs is abandoned after a timeout rather than holding the
 * Lambda until it is killed. The SDK's standard retry mode gets `awsMaxAttempts` where this config is used
 * alone (the CLI); Mint's functions set one attempt and let the call policy retry (`createAwsClients`).
 */
export function awsClientConfig(settings: ClientSettings) {
  return {
    maxAttempts: settings.awsMaxAttempts,
    retryMode: 'standard',
    requestHandler: {
      requestTimeout: settings.awsTimeoutMs,
      connectionTimeout: settings.awsTimeoutMs,
      // Without this, smithy's handler only logs a warning when the timeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  } as const;
}

/** The client configuration from an environment's `MINT_AWS_*` variables (the CLI's own). */
export function clientConfig(env: Record<string, string | undefined>) {
  return awsClientConfig(readClientSettings(env));
}

/**
 * Where the clients go. A Lambda gives nothing (the SDK's own region and credentials); the local runner
 * gives its moto endpoint, where S3 then needs path-style addressing.
 */
export interface AwsTarget {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** How HTTP requests outside the SDK travel (the Cognito token endpoint): the in-memory AWS's own. */
  fetch?: typeof fetch;
}

/** The clients one runtime uses, each created on first use. */
export interface AwsClients {
  /** The configuration every client is built with: also for clients signed with other credentials. */
  readonly config: ReturnType<typeof awsClientConfig> & AwsTarget;
  /** The clock the clients pace and back off on; the ports' own waits and timestamps use it too. */
  readonly clock: Clock;
  iam(): IAMClient;
  cognito(): CognitoIdentityProviderClient;
  s3(): S3Client;
  sfn(): SFNClient;
  secrets(): SecretsManagerClient;
  /**
   * This invocation's share of the account's IAM write rate, when it learns it from its input (a
   * rotation batch: the rate divided by the batches running at once). Unpaced clients stay unpaced.
   */
  paceIdentityWrites(ratePerSecond: number): void;
}

export interface CallGovernance {
  /** The clock pacing and backoff sleep on: the system's in Lambda, a virtual one in the benchmark. */
  clock?: Clock;
  /** This process's share of the account's IAM write rate; unpaced when absent. */
  writesPerSecond?: number;
  /** Counts of calls, throttled answers and retries, when the caller wants them. */
  stats?: CallStats;
}

/**
 * Every client's calls go through Mint's call policy (`core/call-policy.ts`): IAM writes paced by a
 * token bucket, and every throttled or transient failure retried with full-jitter backoff on `clock`.
 * The SDK's own retries are off (one attempt per send) so that one policy decides, and so that the
 * in-memory AWS, which answers below the SDK's middleware, exercises it.
 */
export function createAwsClients(
  settings: ClientSettings,
  target: AwsTarget = {},
  governance: CallGovernance = {},
): AwsClients {
  const config = { ...awsClientConfig(settings), ...target };
  const { fetch: _fetch, ...sdkTarget } = config;
  const sdkConfig = { ...sdkTarget, maxAttempts: 1 };
  const clock = governance.clock ?? systemClock;
  const writes = governance.writesPerSecond
    ? new TokenBucket(rateLimit(governance.writesPerSecond), clock)
    : undefined;
  const policy = (isWrite?: (operation: string) => boolean): CallPolicy => ({
    clock,
    maxAttempts: settings.awsMaxAttempts,
    // With equal jitter from 200 ms doubling to 20 s, 12 attempts wait about 1.5 minutes at most.
    maxThrottledAttempts: 12,
    bucketFor: (operation) => (isWrite?.(operation) ? writes : undefined),
    baseDelayMs: 200,
    maxDelayMs: 20_000,
  });
  let iam: IAMClient | undefined;
  let cognito: CognitoIdentityProviderClient | undefined;
  let s3: S3Client | undefined;
  let sfn: SFNClient | undefined;
  let secrets: SecretsManagerClient | undefined;
  return {
    config,
    clock,
    paceIdentityWrites: (ratePerSecond) => writes?.setRate(rateLimit(ratePerSecond)),
    iam: () => {
      iam ??= governed(new IAMClient(sdkConfig), policy(isIamWrite), governance.stats);
      return iam;
    },
    cognito: () => {
      cognito ??= governed(
        new CognitoIdentityProviderClient(sdkConfig),
        policy(isCognitoWrite),
        governance.stats,
      );
      return cognito;
    },
    s3: () => {
      s3 ??= governed(
        new S3Client({ ...sdkConfig, forcePathStyle: Boolean(target.endpoint) }),
        policy(),
        governance.stats,
      );
      return s3;
    },
    sfn: () => {
      sfn ??= governed(new SFNClient(sdkConfig), policy(), governance.stats);
      return sfn;
    },
    secrets: () => {
      secrets ??= governed(new SecretsManagerClient(sdkConfig), policy(), governance.stats);
      return secrets;
    },
  };
}

/** `CreateUserCommand` → `CreateUser`: the operation, as IAM's rate and the policy know it. */
function operationOf(command: unknown): string {
  return command instanceof Object ? command.constructor.name.replace(/Command$/, '') : '';
}

/**
 * Routes the client's `send` through the policy. The client class's own `send` is looked up at each
 * call, so a test double installed on the class later (aws-sdk-client-mock) is what the policy calls.
 */
function governed<C extends object>(client: C, policy: CallPolicy, stats?: CallStats): C {
  Object.defineProperty(client, 'send', {
    value: (command: unknown, ...rest: unknown[]) =>
      callWithPolicy(
        policy,
        operationOf(command),
        async (): Promise<unknown> =>
          Reflect.apply(Reflect.get(Object.getPrototypeOf(client), 'send'), client, [command, ...rest]),
        stats,
      ),
  });
  return client;
}
