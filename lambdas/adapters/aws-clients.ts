import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * Module-level default clients, created once per Lambda container. IAM throttles write calls, so the
 * SDK's standard retry mode (exponential backoff with full jitter) gets more attempts than its default 3.
 * AWS_ENDPOINT_URL (honoured by the SDK) points every client at a local moto server; S3 then needs
 * path-style addressing.
 */
const retry = { maxAttempts: 8, retryMode: 'standard' } as const;

let iam: IAMClient | undefined;
let s3: S3Client | undefined;
let sfn: SFNClient | undefined;
let secrets: SecretsManagerClient | undefined;

export const awsClients = {
  iam: () => {
    iam ??= new IAMClient(retry);
    return iam;
  },
  s3: () => {
    s3 ??= new S3Client({ ...retry, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
    return s3;
  },
  sfn: () => {
    sfn ??= new SFNClient(retry);
    return sfn;
  },
  secrets: () => {
    secrets ??= new SecretsManagerClient(retry);
    return secrets;
  },
};
