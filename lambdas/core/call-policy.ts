import type { Clock } from './clock';
import { isRecord } from './guards';

/**
 * How Mint paces and retries its AWS calls. AWS answers a call over its rate with a throttling error
 * (IAM and STS `Throttling`, S3 `SlowDown`, Cognito `TooManyRequestsException`); AWS's guidance is to
 * retry with exponential backoff and jitter. Mint also paces its IAM writes below the account's rate, so
 * that most calls are never refused: a refused call costs a round trip and a wait.
 */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
]);
const TRANSIENT = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceFailure',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

function statusOf(error: unknown): number | undefined {
  if (!isRecord(error) || !isRecord(error.$metadata)) return undefined;
  const status = error.$metadata.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function nameOf(error: unknown): string {
  if (!isRecord(error)) return '';
  if (typeof error.code === 'string' && TRANSIENT.has(error.code)) return error.code;
  return typeof error.name === 'string' ? error.name : '';
}

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(nameOf(error)) || statusOf(error) === 429;
}

/** Worth the same call again: throttled, timed out, or the service failed for a moment (5xx). */
export function isRetryable(error: unknown): boolean {
  if (isThrottling(error) || TRANSIENT.has(nameOf(error))) return true;
  const status = statusOf(error);
  return status !== undefined && status >= 500;
}

/**
 * The part of a configured rate Mint paces to. Callers that pace independently (a Map's concurrent
 * batches) drift in and out of step; at exactly the account's rate every drift is refused and its retry
 * adds load to a saturated account. 5 % headroom keeps refusals rare at a 5 % longer makespan.
 */
export const PACED_SHARE = 0.95;

/** A bucket's limit for a sustained rate, with headroom: a second's worth of calls may go at once. */
export function rateLimit(ratePerSecond: number): RateLimit {
  const paced = ratePerSecond * PACED_SHARE;
  return { ratePerSecond: paced, burst: Math.max(1, Math.floor(paced)) };
}

export interface RateLimit {
  /** Sustained calls per second. */
  ratePerSecond: number;
  /** Calls allowed at once after a quiet period. */
  burst: number;
}

/**
 * A token bucket: `take` resolves when the caller may make its call. It starts empty and saves up to
 * `burst` while idle. Waiters reserve tokens in turn
 * (the balance goes negative), so concurrent callers are spaced evenly instead of all retrying at once.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private limit: RateLimit,
    private readonly clock: Clock,
    random: () => number = Math.random,
  ) {
    // Empty at first, and at a random point of its first interval: a new invocation does not know what
    // the account's other callers just spent, and invocations started together would otherwise call in
    // lockstep, all in the same instant of every interval, which the account refuses.
    this.tokens = -random();
    this.updatedAt = clock.now();
  }

  async take(): Promise<void> {
    this.refill();
    this.tokens -= 1;
    if (this.tokens < 0) await this.clock.sleep((-this.tokens * 1000) / this.limit.ratePerSecond);
  }

  /** A new rate from now on (an invocation learns its share of the account's rate from its input). */
  setRate(limit: RateLimit): void {
    this.refill();
    this.limit = limit;
    this.tokens = Math.min(this.tokens, limit.burst);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(
      this.limit.burst,
      this.tokens + ((now - this.updatedAt) * this.limit.ratePerSecond) / 1000,
    );
    this.updatedAt = now;
  }

  /** AWS refused a call anyway (another caller shares the account's rate): spend what is saved up. */
  drain(): void {
    this.tokens = Math.min(this.tokens, 0);
  }
}

export interface CallPolicy {
  clock: Clock;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /**
   * Attempts while AWS answers with throttling (at least `maxAttempts`): a throttled call is not
   * broken, only early, and an app must not fail for it while the invocation has time to wait.
   */
  maxThrottledAttempts?: number;
  /** The bucket a call must take a token from (none: not paced). */
  bucketFor(operation: string): TokenBucket | undefined;
  /** Backoff: full jitter over min(maxDelayMs, baseDelayMs × 2^retry). */
  baseDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
}

/** Counts of what the policy did, for logs and the benchmark. */
export interface CallStats {
  calls: number;
  throttled: number;
  retries: number;
}

/** Makes one AWS call under the policy: paced, and retried with backoff while the error is retryable. */
export async function callWithPolicy<T>(
  policy: CallPolicy,
  operation: string,
  call: () => Promise<T>,
  stats?: CallStats,
): Promise<T> {
  const bucket = policy.bucketFor(operation);
  const random = policy.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    await bucket?.take();
    if (stats) stats.calls++;
    try {
      return await call();
    } catch (error) {
      const throttled = isThrottling(error);
      if (throttled) {
        if (stats) stats.throttled++;
        bucket?.drain();
      }
      const attempts = throttled
        ? Math.max(policy.maxAttempts, policy.maxThrottledAttempts ?? 0)
        : policy.maxAttempts;
      if (attempt >= attempts || !isRetryable(error)) throw error;
      if (stats) stats.retries++;
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      // Throttled, wait at least half the step ("equal jitter"): an immediate retry meets the same
      // saturated rate. Otherwise full jitter.
      await policy.clock.sleep(throttled ? cap / 2 + (random() * cap) / 2 : random() * cap);
    }
  }
}

const IAM_READ = /^(Get|List|Simulate|Generate)/;

/** IAM's writes are what the account's rate limits in practice; reads are cheap and plentiful. */
export function isIamWrite(operation: string): boolean {
  return !IAM_READ.test(operation);
}

const COGNITO_READ = /^(Get|List|Describe|AdminGet|AdminList|InitiateAuth)/;

/**
 * Cognito's writes (users, clients, secrets) fall in its smallest request-rate categories: UserUpdate
 * 25 and UserPoolClientUpdate 15 per second per account by default, shared with everything else.
 */
export function isCognitoWrite(operation: string): boolean {
  return !COGNITO_READ.test(operation);
}
