import { createHmac } from 'node:crypto';
import { secretHash, testClientSecret } from '../../lambdas/adapters/cognito-credential-tester';

const SECRET = {
  keyId: 'client1--1700000000000',
  clientId: 'client1',
  clientSecret: 'not-a-real-secret-abcdefghij',
};
const options = (fetch: typeof globalThis.fetch) => ({
  tokenEndpoint: 'https://mint.auth.eu-central-1.amazoncognito.com/oauth2/token',
  scopes: ['mint/access'],
  attempts: 3,
  firstDelayMs: 1,
  maxDelayMs: 1,
  fetch,
});

describe('testClientSecret', () => {
  it('asks the token endpoint for a client_credentials token with Basic authentication and the scopes', async () => {
    const requests: { url: string; init?: RequestInit }[] = [];
    const fetch: typeof globalThis.fetch = async (url, init) => {
      requests.push({ url: String(url), ...(init ? { init } : {}) });
      return Response.json({ access_token: 'token', expires_in: 3600, token_type: 'Bearer' });
    };
    await expect(testClientSecret(SECRET, options(fetch))).resolves.toBeUndefined();
    const headers = new Headers(requests[0]?.init?.headers);
    expect(Buffer.from(headers.get('authorization')?.replace('Basic ', '') ?? '', 'base64').toString()).toBe(
      `${SECRET.clientId}:${SECRET.clientSecret}`,
    );
    expect(Object.fromEntries(new URLSearchParams(String(requests[0]?.init?.body)))).toEqual({
      grant_type: 'client_credentials',
      scope: 'mint/access',
    });
  });

  it('retries invalid_client while a new secret propagates, then succeeds', async () => {
    let calls = 0;
    const fetch: typeof globalThis.fetch = async () =>
      ++calls < 3
        ? Response.json({ error: 'invalid_client' }, { status: 400 })
        : Response.json({ access_token: 'token', expires_in: 3600, token_type: 'Bearer' });
    await expect(testClientSecret(SECRET, options(fetch))).resolves.toBeUndefined();
    expect(calls).toBe(3);
  });

  it('fails at once on an error a retry cannot mend, naming client and error but not the secret', async () => {
    let calls = 0;
    const fetch: typeof globalThis.fetch = async () => {
      calls++;
      return Response.json({ error: 'invalid_scope' }, { status: 400 });
    };
    const failure = testClientSecret(SECRET, options(fetch));
    await expect(failure).rejects.toThrow(
      /client client1 got no token .*\(HTTP 400 invalid_scope\); nothing was published/,
    );
    await expect(testClientSecret(SECRET, options(fetch))).rejects.not.toThrow(SECRET.clientSecret);
    expect(calls).toBe(2);
  });
});

describe('secretHash', () => {
  it("is Cognito's Base64(HMAC-SHA256(client secret, username + client id))", () => {
    const expected = createHmac('sha256', 'the-secret')
      .update('orders' + 'client1')
      .digest('base64');
    expect(secretHash('orders', 'client1', 'the-secret')).toBe(expected);
    expect(secretHash('orders', 'client1', 'another-secret')).not.toBe(expected);
  });
});
