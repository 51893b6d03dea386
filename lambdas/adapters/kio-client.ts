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
}

const RETRYABLE_STATUS = (status: number) => status === 429 || status >= 500;

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
  } = options;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/apps`;
  const token = await options.token?.();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;

  let lastProblem = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      if (response.ok) return await response.text();
      lastProblem = `HTTP ${response.status}`;
      if (!RETRYABLE_STATUS(response.status)) break;
      const retryAfter = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = Math.min(retryAfter * 1000, 30_000);
    } catch (error) {
      lastProblem =
        error instanceof Error && error.name === 'TimeoutError'
          ? `timeout after ${timeoutMs} ms`
          : String(error);
    }
    if (attempt < retries) {
      const cap = baseDelayMs * 2 ** attempt;
      await sleep(retryAfterMs ?? cap / 2 + Math.random() * (cap / 2));
    }
  }
  throw new KioUnusableError(
    `Kio GET ${url} failed (${lastProblem}); nothing was deleted. Check Kio and its token.`,
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
