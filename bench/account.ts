import type { Clock } from '../lambdas/core/clock';
import type { FakeAwsOptions } from '../local/in-memory-aws/fake-aws';
import {
  COGNITO_DEFAULT_RATES,
  type CognitoCategory,
  type RateLimit,
} from '../local/in-memory-aws/throttling';

/**
 * How the simulated account answers under throttling. IAM's write rate is what is varied: AWS publishes
 * no IAM rate. The others are generous stand-ins for what Mint's load needs (S3's 3,500 writes per
 * second per prefix is documented), except Cognito's, whose default request-rate categories are
 * documented and applied as they are (`COGNITO_DEFAULT_RATES`). Every call takes `LATENCY_MS` of virtual time; a new access key
 * authenticates only after `KEY_PROPAGATION_MS` (IAM is eventually consistent).
 */
const LATENCY_MS = 40;
const KEY_PROPAGATION_MS = 2_000;
const IAM_READS_PER_SECOND = 20;
const STS_PER_SECOND = 100;
const S3_PER_PREFIX_PER_SECOND = 3_500;

export const ACCOUNT_METHOD = `every AWS call takes ${LATENCY_MS} ms; IAM refuses writes over the rate (Throttling) and reads over ${IAM_READS_PER_SECOND}/s; STS ${STS_PER_SECOND}/s; S3 ${S3_PER_PREFIX_PER_SECOND}/s per prefix (SlowDown); Cognito each request-rate category at its default quota (TooManyRequestsException; client secret operations in none); a new access key authenticates after ${KEY_PROPAGATION_MS} ms`;

/** Cognito's categories at their default quotas, each a token bucket with a second's worth of burst. */
const cognitoLimits = Object.fromEntries(
  Object.entries(COGNITO_DEFAULT_RATES).map(([category, rate]) => [
    category,
    { ratePerSecond: rate, burst: rate },
  ]),
) as Record<CognitoCategory, RateLimit>;

/**
 * `keyPropagation: false` leaves new keys usable at once: the budget test counts what throttling
 * costs, and the access-key test's attempts during propagation are counted by the benchmark.
 */
export function throttledAccount(
  clock: Clock,
  iamWritesPerSecond: number,
  options: { keyPropagation?: boolean } = {},
): FakeAwsOptions {
  return {
    clock,
    latencyMs: LATENCY_MS,
    keyPropagationMs: options.keyPropagation === false ? 0 : KEY_PROPAGATION_MS,
    throttle: {
      iamWrite: { ratePerSecond: iamWritesPerSecond, burst: iamWritesPerSecond },
      iamRead: { ratePerSecond: IAM_READS_PER_SECOND, burst: IAM_READS_PER_SECOND },
      sts: { ratePerSecond: STS_PER_SECOND, burst: STS_PER_SECOND },
      s3: { ratePerSecond: S3_PER_PREFIX_PER_SECOND, burst: S3_PER_PREFIX_PER_SECOND },
      ...cognitoLimits,
    },
  };
}
