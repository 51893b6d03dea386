import { createHmac } from 'node:crypto';
import {
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import * as z from 'zod';
import type { CredentialsDocument } from '../core/credentials';
import type { NewClientSecret } from './identity-store';

export interface SecretTestOptions {
  tokenEndpoint: string;
  scopes: readonly string[];
  /** Attempts before giving up: a new secret may be refused for a moment after Cognito created it. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Abandon a request that has not answered in this time. */
  timeoutMs?: number;
}

export const DEFAULT_SECRET_TEST = { attempts: 6, firstDelayMs: 500, maxDelayMs: 4000, timeoutMs: 10_000 };

const tokenResponseSchema = z.object({ access_token: z.string().min(1), token_type: z.string() });
const tokenErrorSchema = z.object({ error: z.string() });

/** Basic authentication as RFC 6749 §2.3.1 has it: each part form-encoded, then joined by a colon. */
function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/**
 * Proves a new client secret works: the pool's token endpoint issues an access token for the
 * client_credentials grant with it, as it will for the app. `invalid_client` and 5xx answers are
 * retried with backoff; any other answer fails at once. Messages name the client and the OAuth error,
 * never the secret or the token.
 */
export async function testClientSecret(secret: NewClientSecret, options: SecretTestOptions): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const send = options.fetch ?? fetch;
  let last = 'no attempt made';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    let retry = false;
    try {
      const response = await send(options.tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuthorization(secret.clientId, secret.clientSecret),
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          ...(options.scopes.length > 0 ? { scope: options.scopes.join(' ') } : {}),
        }).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_SECRET_TEST.timeoutMs),
      });
      const body: unknown = await response.json().catch(() => undefined);
      if (response.ok && tokenResponseSchema.safeParse(body).success) return;
      const oauthError = tokenErrorSchema.safeParse(body);
      last = `HTTP ${response.status}${oauthError.success ? ` ${oauthError.data.error}` : ''}`;
      retry = response.status >= 500 || (oauthError.success && oauthError.data.error === 'invalid_client');
      if (!retry) break;
    } catch (error) {
      last = error instanceof Error ? error.name : 'Error';
      retry = true;
    }
    if (attempt < options.attempts) {
      const cap = Math.min(options.maxDelayMs, options.firstDelayMs * 2 ** (attempt - 1));
      await sleep(cap / 2 + Math.random() * (cap / 2));
    }
  }
  throw new Error(
    `the new client secret ${secret.keyId} of client ${secret.clientId} got no token from ${options.tokenEndpoint} ` +
      `(${last}); nothing was published. Check the client allows the client_credentials grant and the scopes ` +
      `${options.scopes.join(' ') || '(none)'}; the next attempt retries with the same staged secret.`,
  );
}

/** Cognito's SECRET_HASH: Base64(HMAC-SHA256(key = client secret, message = username + client id)). */
export function secretHash(userName: string, clientId: string, clientSecret: string): string {
  return createHmac('sha256', clientSecret)
    .update(userName + clientId)
    .digest('base64');
}

/**
 * The user-password sign-in an app makes with its credentials: its username and password, and the
 * SECRET_HASH of `clientSecret` (the published one unless another is named).
 */
export function signInCommand(
  document: CredentialsDocument,
  clientSecret: string = document.client_secret,
): InitiateAuthCommand {
  return new InitiateAuthCommand({
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: document.client_id,
    AuthParameters: {
      USERNAME: document.application_username,
      PASSWORD: document.application_password,
      SECRET_HASH: secretHash(document.application_username, document.client_id, clientSecret),
    },
  });
}

/**
 * Proves the service user signs in as the app will: the user-password flow with the published password
 * and the published secret's hash. Cognito answers with tokens, which are dropped.
 */
export async function testSignIn(
  cognito: CognitoIdentityProviderClient,
  document: CredentialsDocument,
): Promise<void> {
  try {
    const result = await cognito.send(signInCommand(document));
    if (!result.AuthenticationResult?.AccessToken)
      throw new Error(
        `Cognito asked for a challenge (${result.ChallengeName ?? 'unknown'}) instead of signing in`,
      );
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(
      `service user ${document.application_username} could not sign in with the new password and secret (${reason}); nothing was published`,
    );
  }
}
