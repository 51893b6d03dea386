import type { RateLimit } from '../../lambdas/core/call-policy';
import type { Clock } from '../../lambdas/core/clock';
import { awsError } from './operations';
import type { Service } from './sdk-call';

/**
 * What AWS rate-limits separately: IAM writes and reads (per account; IAM's control plane is in one
 * region, and its rates are not published), STS, and S3 per key prefix.
 */
export type ApiClass = 'iamWrite' | 'iamRead' | 'sts' | 's3';

/**
 * Amazon Cognito user pools' request-rate categories that Mint's calls fall in: each a quota per account
 * and region, shared by every operation of the category against every pool
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html).
 */
export type CognitoCategory =
  | 'cognitoUserCreation'
  | 'cognitoUserUpdate'
  | 'cognitoUserAccountRecovery'
  | 'cognitoUserList'
  | 'cognitoUserPoolClientRead'
  | 'cognitoUserPoolClientUpdate'
  | 'cognitoUserPoolRead'
  | 'cognitoUserAuthentication';

/** Everything a rate limit can be configured for. */
export type LimitedClass = ApiClass | CognitoCategory;

/**
 * The category of each Cognito operation Mint calls, as the quotas page lists them. The client secret
 * operations (AddUserPoolClientSecret, ListUserPoolClientSecrets, DeleteUserPoolClientSecret) are in no
 * documented category, nor is AdminGetUser here: they are not limited. The token endpoint is not an API
 * call and is not limited either.
 */
export const COGNITO_CATEGORY_OF: Readonly<Record<string, CognitoCategory>> = {
  AdminCreateUser: 'cognitoUserCreation',
  AdminUpdateUserAttributes: 'cognitoUserUpdate',
  AdminDeleteUserAttributes: 'cognitoUserUpdate',
  AdminDeleteUser: 'cognitoUserUpdate',
  AdminSetUserPassword: 'cognitoUserAccountRecovery',
  ListUsers: 'cognitoUserList',
  ListUserPoolClients: 'cognitoUserPoolClientRead',
  DescribeUserPoolClient: 'cognitoUserPoolClientRead',
  CreateUserPoolClient: 'cognitoUserPoolClientUpdate',
  DeleteUserPoolClient: 'cognitoUserPoolClientUpdate',
  DescribeUserPool: 'cognitoUserPoolRead',
  InitiateAuth: 'cognitoUserAuthentication',
};

/** Each category's default quota in requests per second (the quotas page; adjustable on request). */
export const COGNITO_DEFAULT_RATES: Readonly<Record<CognitoCategory, number>> = {
  cognitoUserCreation: 50,
  cognitoUserUpdate: 25,
  cognitoUserAccountRecovery: 30,
  cognitoUserList: 30,
  cognitoUserPoolClientRead: 15,
  cognitoUserPoolClientUpdate: 15,
  cognitoUserPoolRead: 15,
  cognitoUserAuthentication: 120,
};

const isApiClass = (limited: LimitedClass): limited is ApiClass =>
  limited === 'iamWrite' || limited === 'iamRead' || limited === 'sts' || limited === 's3';

export type { RateLimit };

export interface ThrottlingOptions {
  /** The time latency, token refills and key propagation are measured in. */
  clock: Clock;
  /** Each call waits this long (on the clock) before it is answered. Default 0. */
  latencyMs?: number;
  /**
   * Rate limits by class or Cognito category; one not named is never throttled. S3's applies to each
   * prefix alone.
   */
  throttle?: Partial<Record<LimitedClass, RateLimit>>;
  /** STS refuses an access key with InvalidClientTokenId until it is this old (IAM's propagation). */
  keyPropagationMs?: number;
}

// IAM's write operations, by verb: everything that changes the account. The rest (Get*, List*,
// Simulate*, Generate*Report...) are reads.
const IAM_WRITE_VERBS =
  /^(Create|Delete|Update|Put|Tag|Untag|Attach|Detach|Add|Remove|Set|Change|Reset|Enable|Deactivate|Upload|Resync|Disable)/;

/**
 * The class a call is limited in, or none (Step Functions, Secrets Manager, Cognito operations in no
 * documented category: not modelled).
 */
export function apiClassOf(service: Service, operation: string): LimitedClass | undefined {
  if (service === 'iam') return IAM_WRITE_VERBS.test(operation) ? 'iamWrite' : 'iamRead';
  if (service === 'sts') return 'sts';
  if (service === 's3') return 's3';
  if (service === 'cognito-idp') return COGNITO_CATEGORY_OF[operation];
  return undefined;
}

/**
 * The S3 prefix a call counts against: the key's part before its first '/' (the bucket's root for a key
 * without one). S3 supports at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per second
 * per partitioned prefix and answers 503 SlowDown beyond
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html); one configured
 * limit applies to each prefix on its own.
 */
export function s3Prefix(input: Record<string, unknown>): string {
  const deleted = (input.Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects?.[0]?.Key;
  const key = String(input.Key ?? input.Prefix ?? deleted ?? '');
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

/**
 * The refusal AWS answers a call over its rate with. IAM and STS (Query APIs) answer `Throttling`,
 * HTTP 400, "Rate exceeded" (the common error ThrottlingException/Throttling:
 * https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html); S3 answers `SlowDown`, HTTP 503,
 * "Please reduce your request rate." (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html);
 * Cognito answers `TooManyRequestsException`, HTTP 400 (each operation's errors in its API reference).
 * The SDK classifies all three as throttling errors (by name).
 */
export function throttlingError(limited: LimitedClass): Error {
  if (limited === 's3') return awsError('SlowDown', 'Please reduce your request rate.', 503);
  if (!isApiClass(limited))
    return awsError(
      'TooManyRequestsException',
      'This exception is thrown when the user has made too many requests for a given operation.',
      400,
    );
  return awsError('Throttling', 'Rate exceeded', 400);
}

class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.last = now;
  }

  /** Takes a token if one is there, after refilling for the time passed since the last call. */
  take(now: number): boolean {
    const refill = (Math.max(0, now - this.last) * this.limit.ratePerSecond) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + refill);
    this.last = Math.max(this.last, now);
    // A rounding error must not refuse a call the rate allows (5/s refills exactly one in 200 ms).
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }
}

const zeros = (): Record<ApiClass, number> => ({ iamWrite: 0, iamRead: 0, sts: 0, s3: 0 });

/**
 * AWS's rate limits and latency in virtual time, for FakeAws: `admit` is awaited before every call is
 * answered; `keyCreated` and `checkKeyPropagated` model IAM's eventual consistency for new keys.
 */
export class Throttling {
  /** Calls refused for their rate, by class (IAM, STS, S3; Cognito's are in `cognitoThrottled`). */
  readonly throttled = zeros();
  /** Calls received (refused ones included), by class (IAM, STS, S3; Cognito's in `cognitoCalls`). */
  readonly callsByClass = zeros();
  /** Cognito calls refused for their category's rate, and received, by category. */
  readonly cognitoThrottled: Partial<Record<CognitoCategory, number>> = {};
  readonly cognitoCalls: Partial<Record<CognitoCategory, number>> = {};
  /** The operation of every refused call, in order. */
  readonly refused: string[] = [];
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly keysCreated = new Map<string, number>();

  constructor(private readonly options: ThrottlingOptions) {}

  /** Waits the call's latency, then lets it through or throws the refusal AWS answers with. */
  async admit(service: Service, operation: string, input: Record<string, unknown>): Promise<void> {
    const latency = this.options.latencyMs ?? 0;
    if (latency > 0) await this.options.clock.sleep(latency);
    const apiClass = apiClassOf(service, operation);
    if (!apiClass) return;
    if (isApiClass(apiClass)) this.callsByClass[apiClass]++;
    else this.cognitoCalls[apiClass] = (this.cognitoCalls[apiClass] ?? 0) + 1;
    const limit = this.options.throttle?.[apiClass];
    if (!limit) return;
    const id = apiClass === 's3' ? `s3:${s3Prefix(input)}` : apiClass;
    const now = this.options.clock.now();
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = new TokenBucket(limit, now);
      this.buckets.set(id, bucket);
    }
    if (bucket.take(now)) return;
    if (isApiClass(apiClass)) this.throttled[apiClass]++;
    else this.cognitoThrottled[apiClass] = (this.cognitoThrottled[apiClass] ?? 0) + 1;
    this.refused.push(operation);
    throw throttlingError(apiClass);
  }

  /** Notes when IAM created an access key (its CreateAccessKey answer). */
  keyCreated(accessKeyId: string): void {
    this.keysCreated.set(accessKeyId, this.options.clock.now());
  }

  /** STS does not know a key IAM created less than `keyPropagationMs` ago: InvalidClientTokenId, 403. */
  checkKeyPropagated(accessKeyId: string): void {
    const created = this.keysCreated.get(accessKeyId);
    const propagation = this.options.keyPropagationMs ?? 0;
    if (created === undefined || propagation <= 0) return;
    if (this.options.clock.now() - created < propagation)
      throw awsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }
}
