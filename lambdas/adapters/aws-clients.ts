import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseAwsClientSettings } from '../core/settings';

/**
 * How every Mint client talks to AWS. IAM throttles write calls, so the SDK's standard retry mode
 * (exponential backoff with full jitter) gets more attempts than its default 3, and a call that hangs is
 * abandoned after a timeout and retried rather than holding the Lambda until it is killed.
 */
export function clientConfig(env: Record<string, string | undefined> = process.env) {
  const settings = parseAwsClientSettings(env);
  return {
    maxAttempts: settings.maxAttempts,
    retryMode: 'standard',
    requestHandler: {
      requestTimeout: settings.requestTimeoutMs,
      connectionTimeout: settings.requestTimeoutMs,
      // Without this, smithy's handler only logs a warning when the timeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  } as const;
}

let iam: IAMClient | undefined;
let s3: S3Client | undefined;
let sfn: SFNClient | undefined;
let secrets: SecretsManagerClient | undefined;

/**
 * Module-level default clients, created once per Lambda container. AWS_ENDPOINT_URL (honoured by the
 * SDK) points every client at a local moto server; S3 then needs path-style addressing.
 */
export const awsClients = {
  iam: () => {
    iam ??= new IAMClient(clientConfig());
    return iam;
  },
  s3: () => {
    s3 ??= new S3Client({ ...clientConfig(), forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
    return s3;
  },
  sfn: () => {
    sfn ??= new SFNClient(clientConfig());
    return sfn;
  },
  secrets: () => {
    secrets ??= new SecretsManagerClient(clientConfig());
    return secrets;
  },
};

/** Drops the cached clients, so the next call builds them from the current environment (local runs). */
export function resetAwsClients(): void {
  iam = undefined;
  s3 = undefined;
  sfn = undefined;
  secrets = undefined;
}
