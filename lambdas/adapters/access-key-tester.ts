import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { isRetryable } from '../core/call-policy';
import type { AwsClients } from './aws-clients';

/** An IAM access key as CreateAccessKey returns it. */
export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface KeyTestOptions {
  /** Attempts before giving up; IAM keys usually work within seconds, rarely after ~10 s. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** How the key's own STS client reaches AWS (timeouts, and the local runner's endpoint). */
  clientConfig?: AwsClients['config'];
}

export const DEFAULT_KEY_TEST: KeyTestOptions = { attempts: 8, firstDelayMs: 500, maxDelayMs: 8000 };

const PROPAGATION_ERRORS = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'AccessDenied']);

/**
 * Worth another attempt: IAM still propagating the key, or what every Mint call retries (STS
 * throttling, a timeout, a 5xx; `core/call-policy.ts`).
 */
function isWorthRetrying(error: unknown): boolean {
  return (error instanceof Error && PROPAGATION_ERRORS.has(error.name)) || isRetryable(error);
}

/**
 * Proves a new access key works by signing `sts:GetCallerIdentity` with it, retrying with jittered
 * backoff while IAM propagates it. Resolves only when the key authenticates as `expectedArn`.
 */
export async function testAccessKey(
  key: NewAccessKey,
  expectedArn: string,
  options: KeyTestOptions = DEFAULT_KEY_TEST,
  makeClient: (key: NewAccessKey) => STSClient = (k) =>
    new STSClient({
      ...options.clientConfig,
      credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey },
      // This loop retries, with delays sized for IAM's propagation; the SDK must not retry inside it.
      maxAttempts: 1,
    }),
): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const client = makeClient(key);
  let lastError = 'no attempt made';
  try {
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      try {
        const identity = await client.send(new GetCallerIdentityCommand({}));
        if (identity.Arn === expectedArn) return;
        // A different identity is a bug, not propagation: fail now.
        throw new Error(
          `new access key ${key.accessKeyId} authenticates as ${identity.Arn}, expected ${expectedArn}`,
        );
      } catch (error) {
        if (!isWorthRetrying(error)) throw error;
        lastError = error instanceof Error ? error.name : 'Error';
      }
      if (attempt < options.attempts) {
        const cap = Math.min(options.maxDelayMs, options.firstDelayMs * 2 ** (attempt - 1));
        await sleep(cap / 2 + Math.random() * (cap / 2));
      }
    }
  } finally {
    client.destroy();
  }
  throw new Error(
    `new access key ${key.accessKeyId} did not authenticate after ${options.attempts} attempts (last error ${lastError})`,
  );
}
