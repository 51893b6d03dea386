import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type ClientSettings, readClientSettings } from '../contracts/settings';

/**
 * How every Mint client talks to AWS. IAM throttles write calls, so the SDK's standard retry mode
 * (exponential backoff with full jitter) gets more attempts than its default 3, and a call that hangs is
 * abandoned after a timeout and retried rather than holding the Lambda until it is killed.
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
}

/** The clients one runtime uses, each created on first use. */
export interface AwsClients {
  /** The configuration every client is built with: also for clients signed with other credentials. */
  readonly config: ReturnType<typeof awsClientConfig> & AwsTarget;
  iam(): IAMClient;
  s3(): S3Client;
  sfn(): SFNClient;
  secrets(): SecretsManagerClient;
}

export function createAwsClients(settings: ClientSettings, target: AwsTarget = {}): AwsClients {
  const config = { ...awsClientConfig(settings), ...target };
  let iam: IAMClient | undefined;
  let s3: S3Client | undefined;
  let sfn: SFNClient | undefined;
  let secrets: SecretsManagerClient | undefined;
  return {
    config,
    iam: () => {
      iam ??= new IAMClient(config);
      return iam;
    },
    s3: () => {
      s3 ??= new S3Client({ ...config, forcePathStyle: Boolean(target.endpoint) });
      return s3;
    },
    sfn: () => {
      sfn ??= new SFNClient(config);
      return sfn;
    },
    secrets: () => {
      secrets ??= new SecretsManagerClient(config);
      return secrets;
    },
  };
}
