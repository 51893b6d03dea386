import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KioUnusableError } from '../core/errors';

export interface KioClientOptions {
  baseUrl: string;
  /** Returns the bearer token, or undefined when Kio needs none. */
  token?: () => Promise<string | undefined>;
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and network errors. */
  retries?: number;
  baseDelayMs?: number;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Milliseconds the whole read may still take: the step's remaining time minus a margin. A wait
   * (Retry-After or backoff) that does not fit fails at once instead of outliving the function.
   * Unlimited when absent.
   */
  budgetMs?: () => number;
}

/** The longest Retry-After honoured without a budget (local tools): Kio asking for longer is an outage. */
const MAX_RETRY_AFTER_MS = 60_000;

const RETRYABLE_STATUS = (status: number) => status === 429 || status >= 500;

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

/**
 * Reads `GET {baseUrl}/apps` and returns the raw body. Anything but a 200 after retries is an
 * unusable response: the cycle stops before reconcile can delete anything.
 */
export async function fetchKioApps(options: KioClientOptions): Promise<string> {
  const {
    timeoutMs = 10_000,
    retries = 4,
    baseDelayMs = 500,
    fetchImpl = fetch,
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    budgetMs = () => Number.POSITIVE_INFINITY,
  } = options;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/apps`;
  const token = await options.token?.();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;

  let lastProblem = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    const left = budgetMs();
    if (left <= 0) break;
    let retryAfter: { header: string; ms: number } | undefined;
    const attemptTimeoutMs = Math.min(timeoutMs, left);
    try {
      const response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(attemptTimeoutMs) });
      if (response.ok) return await response.text();
      lastProblem = `HTTP ${response.status}`;
      if (!RETRYABLE_STATUS(response.status)) break;
      const header = response.headers.get('retry-after');
      const ms = parseRetryAfter(header);
      if (header !== null && ms !== undefined) retryAfter = { header: header.trim(), ms };
    } catch (error) {
      lastProblem =
        error instanceof Error && error.name === 'TimeoutError'
          ? `timeout after ${attemptTimeoutMs} ms`
          : String(error);
    }
    if (attempt >= retries) break;
    const cap = baseDelayMs * 2 ** attempt;
    const wait = retryAfter?.ms ?? cap / 2 + Math.random() * (cap / 2);
    const remaining = budgetMs();
    // Waiting must leave time for the next request; otherwise the step would die with States.Timeout.
    if (retryAfter && (wait >= remaining || (!Number.isFinite(remaining) && wait > MAX_RETRY_AFTER_MS))) {
      throw new KioUnusableError(
        `Kio is throttling Mint: GET ${url} answered ${lastProblem} with Retry-After: ${retryAfter.header} ` +
          `(${seconds(wait)}), more than ListApps has left (${Number.isFinite(remaining) ? seconds(remaining) : `at most ${seconds(MAX_RETRY_AFTER_MS)}`}); ` +
          "nothing was deleted. The next cycle asks again; if it recurs, ask Kio's owners to raise Mint's rate limit.",
      );
    }
    if (wait >= remaining) break;
    await sleep(wait);
  }
  const left = budgetMs();
  throw new KioUnusableError(
    `Kio GET ${url} failed (${lastProblem || 'no attempt'}${left <= 0 ? "; ListApps's time budget is used up" : ''}); nothing was deleted. Check Kio and its token.`,
  );
}

/**
 * Reads the Kio bearer token from a Secrets Manager secret (the whole SecretString is the token).
 * Read once per cycle rather than cached, so a rotated token is picked up at once.
 */
export function secretsManagerToken(client: SecretsManagerClient, secretId: string): () => Promise<string> {
  return async () => {
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!result.SecretString)
      throw new Error(`secret ${secretId} has no SecretString; store the Kio token as text`);
    return result.SecretString.trim();
  };
}
