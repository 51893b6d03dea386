import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { CredentialsWatcher } from './credentials';
import { credentialsDocumentSchema } from './document';

/**
 * OAuth 2.0 access tokens for the app client in the Mint credentials (the Cognito identity store: its
 * client_id and client_secret are a user pool app client's, allowed the `client_credentials` grant).
 */

/** What failed. `code` is stable for scripts; `status` and `oauthError` are set when the endpoint answered. */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    /**
     * - `no-credentials`: the credentials could not be read (no file yet, a malformed file, no document).
     * - `rejected`: the endpoint refused the request with an OAuth error (`oauthError`).
     * - `unreachable`: no answer, a timeout, 5xx or 429: worth retrying later.
     * - `bad-response`: an answer that is neither a token nor an OAuth error.
     * - `closed`: the source was closed.
     */
    readonly code: 'no-credentials' | 'rejected' | 'unreachable' | 'bad-response' | 'closed',
    message: string,
    readonly status?: number,
    readonly oauthError?: string,
  ) {
    super(message);
  }
}

interface CommonOptions {
  /** `https://<user pool domain>/oauth2/token`. Plain http is accepted for loopback hosts only. */
  tokenEndpoint: string;
  /** Scopes to ask for (a resource server's `<identifier>/<scope>`); by default the app client's. */
  scopes?: string[];
  /** Refresh this long before the token expires; default 60 s (at most half the token's lifetime). */
  refreshBeforeSeconds?: number;
  /** Per request to the endpoint; default 10 s. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

export type TokenSourceOptions = CommonOptions &
  (
    | {
        /** The directory mint-agent writes: its credentials.json is checked (a stat) on every call. */
        credentialsDir: string;
        watcher?: undefined;
      }
    | {
        /** An in-process watcher: its current() document is used; it is polled when the endpoint rejects it. */
        watcher: Pick<CredentialsWatcher, 'current' | 'poll'>;
        credentialsDir?: undefined;
      }
  );

export interface TokenSource {
  /**
   * A current access token: the cached one while it has more than `refreshBeforeSeconds` left and the
   * credentials have not changed, otherwise a new one (one request however many callers wait for it).
   */
  getToken(): Promise<string>;
  /** Drops the cached token; later getToken calls reject. */
  close(): void;
}

interface Client {
  id: string;
  secret: string;
}

interface ClientSource {
  /** Where the credentials come from, for messages. */
  where: string;
  /** The credentials as they are now, cheaply. */
  current(): Promise<Client>;
  /** The credentials read again from their origin: after a rejection, a rotation may just have happened. */
  reread(): Promise<Client>;
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string().min(1),
});

const errorResponseSchema = z.object({ error: z.string().min(1) });

/** After a failed refresh, a still-valid token is served this long before the endpoint is tried again. */
const RETRY_AFTER_FAILURE_MS = 5_000;

function fileClientSource(dir: string): ClientSource {
  const path = join(dir, 'credentials.json');
  let seen: { stamp: string; client: Client } | undefined;
  const missing = (error: unknown) =>
    new TokenError(
      'no-credentials',
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): mint-agent writes it; run \`mint-agent --once ${dir}\` (or its sidecar) before asking for a token`,
    );
  async function read(force: boolean): Promise<Client> {
    const stats = await stat(path).catch((error: unknown) => {
      throw missing(error);
    });
    // mint-agent replaces the file by rename, so any new content comes with a new inode and times. Should
    // a stamp ever repeat, the endpoint's invalid_client makes the source read the file regardless.
    const stamp = `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
    if (!force && seen?.stamp === stamp) return seen.client;
    const text = await readFile(path, 'utf8').catch((error: unknown) => {
      throw missing(error);
    });
    const client = parseClient(text, path);
    seen = { stamp, client };
    return client;
  }
  return { where: path, current: () => read(false), reread: () => read(true) };
}

/** The client credentials of a Mint document, naming what is wrong without quoting it (it holds secrets). */
function parseClient(text: string, where: string): Client {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TokenError('no-credentials', `${where} is not JSON (${text.length} bytes)`);
  }
  const result = credentialsDocumentSchema.safeParse(value);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join('.') || '(document)').join(', ');
    throw new TokenError(
      'no-credentials',
      `${where} is not a Mint credentials document (problem with: ${fields})`,
    );
  }
  return { id: result.data.client_id, secret: result.data.client_secret };
}

function watcherClientSource(watcher: Pick<CredentialsWatcher, 'current' | 'poll'>): ClientSource {
  const where = "the CredentialsWatcher's document";
  const fromWatcher = (): Client => {
    const doc = watcher.current();
    if (!doc) {
      throw new TokenError(
        'no-credentials',
        `${where} could not be read: see the watcher's 'error' events (access, region, app id)`,
      );
    }
    return { id: doc.client_id, secret: doc.client_secret };
  };
  return {
    where,
    current: async () => {
      if (!watcher.current()) await watcher.poll();
      return fromWatcher();
    },
    reread: async () => {
      await watcher.poll();
      return fromWatcher();
    },
  };
}

function checkedEndpoint(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(
      `tokenEndpoint ${raw} is not a URL: expected https://<user pool domain>/oauth2/token`,
    );
  }
  if (url.username || url.password) {
    throw new TypeError('tokenEndpoint must not hold credentials: they come from the credentials file');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError(
      `tokenEndpoint ${url.origin}${url.pathname} must be https (the client secret is sent to it); plain http is for loopback tests only`,
    );
  }
  return url;
}

/** RFC 6749 section 2.3.1: client id and secret are form-urlencoded before they go into Basic authentication. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

/** What to do about each OAuth error code (RFC 6749 section 5.2) the token endpoint answers. */
const hints = new Map([
  [
    'invalid_client',
    'the user pool does not accept this client id and secret: check that mint-agent keeps the credentials current (a secret stops working when its grace period after a rotation ends) and that the endpoint is the user pool of this app client',
  ],
  [
    'unauthorized_client',
    'the app client may not use the client_credentials grant: allow it (AllowedOAuthFlows client_credentials) on the app client',
  ],
  [
    'unsupported_grant_type',
    'the app client may not use the client_credentials grant: allow it (AllowedOAuthFlows client_credentials) on the app client',
  ],
  [
    'invalid_scope',
    "the app client may not ask for these scopes: request only scopes in the app client's AllowedOAuthScopes",
  ],
  [
    'invalid_request',
    'the endpoint did not take the request: check that the URL is https://<user pool domain>/oauth2/token',
  ],
]);

function isTransient(error: unknown): boolean {
  return error instanceof TokenError && error.code === 'unreachable';
}

/**
 * A source of access tokens from a Cognito user pool's token endpoint (OAuth 2.0 `client_credentials`),
 * authenticated with the client id and secret Mint publishes. Tokens are cached until
 * `refreshBeforeSeconds` before they expire; changed credentials (a rotation) get a new token; concurrent
 * callers share one request; an `invalid_client` answer makes it read the credentials again and, if they
 * changed, retry once; a failed refresh (no answer, 5xx, 429) keeps serving a token that is still valid.
 * Errors name the endpoint, the status and the OAuth error code, never the secret or a token.
 */
export function createTokenSource(options: TokenSourceOptions): TokenSource {
  if ((options.credentialsDir === undefined) === (options.watcher === undefined)) {
    throw new TypeError('createTokenSource needs exactly one of credentialsDir and watcher');
  }
  const endpoint = checkedEndpoint(options.tokenEndpoint);
  const endpointName = `${endpoint.origin}${endpoint.pathname}`;
  const source =
    options.watcher !== undefined
      ? watcherClientSource(options.watcher)
      : fileClientSource(options.credentialsDir);
  const scope = (options.scopes ?? []).join(' ');
  const refreshBeforeMs = (options.refreshBeforeSeconds ?? 60) * 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;

  let closed = false;
  let cached: { client: Client; token: string; refreshAt: number; expiresAt: number } | undefined;
  let retryNotBefore = 0;
  let inFlight: { client: Client; promise: Promise<string> } | undefined;
  const same = (a: Client | undefined, b: Client) => a?.id === b.id && a.secret === b.secret;

  async function request(client: Client): Promise<string> {
    const started = now();
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    let response: Response;
    let text: string;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: basicAuthorization(client.id, client.secret),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: body.toString(),
        // A redirect would carry the secret elsewhere; a token endpoint has no reason to send one.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      const reason =
        e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
      throw new TokenError(
        'unreachable',
        `cannot reach the token endpoint ${endpointName} (${reason}): check the URL, DNS and that outbound HTTPS is allowed`,
      );
    }
    const status = response.status;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok) {
      const parsed = tokenResponseSchema.safeParse(json);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)').join(', ');
        throw new TokenError(
          'bad-response',
          `the token endpoint ${endpointName} answered ${status} without a usable token (problem with: ${fields}): check that the URL is the user pool's /oauth2/token`,
          status,
        );
      }
      const lifetimeMs = parsed.data.expires_in * 1000;
      // A token shorter-lived than the margin is still reused for half its life.
      const margin = Math.min(refreshBeforeMs, lifetimeMs / 2);
      if (!closed) {
        cached = {
          client,
          token: parsed.data.access_token,
          refreshAt: started + lifetimeMs - margin,
          expiresAt: started + lifetimeMs,
        };
        retryNotBefore = 0;
      }
      return parsed.data.access_token;
    }
    if (status >= 500 || status === 429) {
      throw new TokenError(
        'unreachable',
        `the token endpoint ${endpointName} answered ${status}: a failure on its side; retry later`,
        status,
      );
    }
    const oauth = errorResponseSchema.safeParse(json);
    if (!oauth.success) {
      throw new TokenError(
        'bad-response',
        `the token endpoint ${endpointName} answered ${status}, not an OAuth 2.0 response: check that the URL is https://<user pool domain>/oauth2/token`,
        status,
      );
    }
    // Only the error code, never error_description: the server may quote what it was sent.
    const code = /^[\w.-]{1,64}$/.test(oauth.data.error) ? oauth.data.error : '(unrecognized)';
    throw new TokenError(
      'rejected',
      `the token endpoint ${endpointName} answered ${status} ${code} for client id ${client.id} (credentials from ${source.where}): ${hints.get(code) ?? 'see the user pool app client settings'}`,
      status,
      code,
    );
  }

  async function obtain(client: Client): Promise<string> {
    try {
      return await request(client);
    } catch (error) {
      if (!(error instanceof TokenError && error.oauthError === 'invalid_client')) throw error;
      // The secret may have rotated since the credentials were read: read them again, once.
      const fresh = await source.reread();
      if (same(fresh, client)) {
        throw new TokenError(
          'rejected',
          `${error.message}. Read again, ${source.where} still holds the same credentials`,
          error.status,
          error.oauthError,
        );
      }
      return request(fresh);
    }
  }

  function refresh(client: Client): Promise<string> {
    if (inFlight && same(inFlight.client, client)) return inFlight.promise;
    const promise = obtain(client)
      .catch((error: unknown) => {
        const t = now();
        if (isTransient(error) && cached && same(cached.client, client) && t < cached.expiresAt) {
          retryNotBefore = t + RETRY_AFTER_FAILURE_MS;
          return cached.token;
        }
        throw error;
      })
      .finally(() => {
        if (inFlight?.promise === promise) inFlight = undefined;
      });
    inFlight = { client, promise };
    return promise;
  }

  return {
    async getToken() {
      if (closed) throw new TokenError('closed', 'this token source is closed');
      const client = await source.current();
      const t = now();
      if (cached && same(cached.client, client)) {
        if (t < cached.refreshAt) return cached.token;
        if (t < cached.expiresAt && t < retryNotBefore) return cached.token;
      }
      return refresh(client);
    },
    close() {
      closed = true;
      cached = undefined;
      inFlight = undefined;
    },
  };
}
