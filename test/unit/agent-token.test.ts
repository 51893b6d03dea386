import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { AgentUsageError, main, parseTokenArgs, runToken } from '../../packages/agent/src/cli';
import { CredentialsWatcher } from '../../packages/agent/src/credentials';
import { writeCredentialFiles } from '../../packages/agent/src/files';
import { createTokenSource, TokenError, type TokenSourceOptions } from '../../packages/agent/src/token';

// A token endpoint on loopback that answers as Cognito's /oauth2/token does: a token for the client in the
// Basic authorization, or an OAuth error. Each test sets `answer`; `seen` records what reached it.

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The client id and secret in the Basic authorization, form-decoded as RFC 6749 has them encoded. */
  client: { id: string; secret: string };
}

const doc = (n: number, secret = `secret-${n}-not-real`) => ({
  application_username: 'orders',
  application_password: `pw-${n}-not-real`,
  client_id: `client${n}`,
  client_secret: secret,
});

const seen: Seen[] = [];
let answer: (request: Seen, response: ServerResponse) => void;
const reply = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
};
/** Cognito's success: a token naming the client and how many requests came before it. */
const issue =
  (expiresIn = 3600) =>
  (request: Seen, response: ServerResponse) =>
    reply(response, 200, {
      access_token: `token-${seen.length}-${request.client.id}-not-real`,
      expires_in: expiresIn,
      token_type: 'Bearer',
    });
const decodeBasic = (header: string | string[] | undefined) => {
  const decoded = Buffer.from(String(header).replace(/^Basic /, ''), 'base64').toString('utf8');
  const [id = '', secret = ''] = decoded
    .split(':')
    .map((part) => new URLSearchParams(`v=${part}`).get('v') ?? '');
  return { id, secret };
};

const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on('end', () => {
    const record = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body,
      client: decodeBasic(request.headers.authorization),
    };
    seen.push(record);
    answer(record, response);
  });
});
let endpoint = '';
let dir = '';
let clock = 0;
const now = () => clock;
const s3 = mockClient(S3Client);

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(async () => {
  seen.length = 0;
  answer = issue();
  clock = 1_700_000_000_000;
  s3.reset();
  dir = mkdtempSync(join(tmpdir(), 'mint-token-'));
  await writeCredentialFiles(dir, doc(1));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const source = (options: Partial<TokenSourceOptions> = {}) =>
  createTokenSource({ credentialsDir: dir, tokenEndpoint: endpoint, now, ...options } as TokenSourceOptions);
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as TokenError,
  );

describe('createTokenSource: the request', () => {
  it("POSTs Cognito's client_credentials form with Basic client authentication and returns the access token", async () => {
    const tokens = source({ scopes: ['orders-api/read', 'orders-api/write'] });
    await expect(tokens.getToken()).resolves.toBe('token-1-client1-not-real');
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/oauth2/token');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from('client1:secret-1-not-real').toString('base64')}`,
    );
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'orders-api/read orders-api/write',
    });
  });

  it('sends no scope when none is asked for (the app client default)', async () => {
    await source().getToken();
    expect(seen[0]?.body).toBe('grant_type=client_credentials');
  });

  it('form-urlencodes client id and secret before Basic encoding (RFC 6749 2.3.1)', async () => {
    const secret = 'p:w+&é%/= x';
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify({ ...doc(1, secret), client_id: 'id:1 é' }));
    await source().getToken();
    const decoded = Buffer.from(String(seen[0]?.headers.authorization).slice(6), 'base64').toString();
    // Unencoded, the colon in the id would split it from the secret in the wrong place.
    expect(decoded).toBe('id%3A1+%C3%A9:p%3Aw%2B%26%C3%A9%25%2F%3D+x');
    expect(seen[0]?.client).toEqual({ id: 'id:1 é', secret });
  });

  it('refuses an endpoint that would carry the secret in clear or to the wrong place', () => {
    expect(() => source({ tokenEndpoint: 'http://auth.example.com/oauth2/token' })).toThrow(/must be https/);
    expect(() => source({ tokenEndpoint: 'https://u:p@auth.example.com/oauth2/token' })).toThrow(
      /must not hold credentials/,
    );
    expect(() => source({ tokenEndpoint: 'auth.example.com' })).toThrow(/is not a URL/);
    expect(() => createTokenSource({ tokenEndpoint: endpoint } as TokenSourceOptions)).toThrow(
      /exactly one of credentialsDir and watcher/,
    );
  });
});

describe('createTokenSource: caching and refresh', () => {
  it('reuses the token until refreshBeforeSeconds before it expires, by the injected clock', async () => {
    const tokens = source({ refreshBeforeSeconds: 120 });
    const first = await tokens.getToken();
    clock += (3600 - 120) * 1000 - 1;
    await expect(tokens.getToken()).resolves.toBe(first);
    expect(seen).toHaveLength(1);
    clock += 1;
    await expect(tokens.getToken()).resolves.toBe('token-2-client1-not-real');
    expect(seen).toHaveLength(2);
  });

  it('reuses a token shorter-lived than the margin for half its life instead of never', async () => {
    answer = issue(60);
    const tokens = source(); // 60 s margin, 60 s tokens
    const first = await tokens.getToken();
    clock += 29_999;
    await expect(tokens.getToken()).resolves.toBe(first);
    clock += 1;
    await expect(tokens.getToken()).resolves.not.toBe(first);
    expect(seen).toHaveLength(2);
  });

  it('asks for a new token once the credentials file changes (a rotation), with the new secret', async () => {
    const tokens = source();
    await expect(tokens.getToken()).resolves.toBe('token-1-client1-not-real');
    await writeCredentialFiles(dir, doc(1, 'secret-1b-not-real'));
    await expect(tokens.getToken()).resolves.toBe('token-2-client1-not-real');
    expect(seen.map((s) => s.client.secret)).toEqual(['secret-1-not-real', 'secret-1b-not-real']);
    await writeCredentialFiles(dir, doc(2));
    await expect(tokens.getToken()).resolves.toBe('token-3-client2-not-real');
    await expect(tokens.getToken()).resolves.toBe('token-3-client2-not-real');
    expect(seen).toHaveLength(3);
  });

  it('sends one request for any number of concurrent callers', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    answer = (request, response) => void held.then(() => issue()(request, response));
    const tokens = source();
    const callers = Array.from({ length: 5 }, () => tokens.getToken());
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(new Set(await Promise.all(callers))).toEqual(new Set(['token-1-client1-not-real']));
    expect(seen).toHaveLength(1);
  });

  it('keeps serving a still-valid token when a refresh meets a 5xx or no answer, and retries 5 s later', async () => {
    const tokens = source();
    const first = await tokens.getToken();
    clock += 3550_000; // inside the refresh window, 50 s before expiry
    answer = (_request, response) => reply(response, 503, 'Service Unavailable');
    await expect(tokens.getToken()).resolves.toBe(first);
    expect(seen).toHaveLength(2);
    await expect(tokens.getToken()).resolves.toBe(first); // not again within 5 s
    expect(seen).toHaveLength(2);
    clock += 5_000;
    answer = (_request, response) => response.socket?.destroy();
    await expect(tokens.getToken()).resolves.toBe(first);
    expect(seen).toHaveLength(3);
    clock += 45_000; // expired: nothing left to serve
    const error = await failure(tokens.getToken());
    expect(error).toMatchObject({ code: 'unreachable' });
    expect(error.message).toMatch(/cannot reach the token endpoint http:\/\/127\.0\.0\.1:\d+\/oauth2\/token/);
  });

  it('does not serve the previous token for credentials that changed', async () => {
    const tokens = source();
    await tokens.getToken();
    await writeCredentialFiles(dir, doc(2));
    answer = (_request, response) => reply(response, 500, '');
    await expect(failure(tokens.getToken())).resolves.toMatchObject({ code: 'unreachable', status: 500 });
  });

  it('rejects after close()', async () => {
    const tokens = source();
    await tokens.getToken();
    tokens.close();
    await expect(failure(tokens.getToken())).resolves.toMatchObject({ code: 'closed' });
  });
});

describe('createTokenSource: invalid_client', () => {
  const rejectSecret = (secret: string) => (request: Seen, response: ServerResponse) =>
    request.client.secret === secret
      ? reply(response, 400, { error: 'invalid_client' })
      : issue()(request, response);

  it('re-reads the credentials once and retries with the rotated secret', async () => {
    const tokens = source();
    // The rotation lands between the source reading the file and the endpoint answering.
    answer = (request, response) => {
      void writeCredentialFiles(dir, doc(1, 'secret-new-not-real')).then(() =>
        rejectSecret('secret-1-not-real')(request, response),
      );
    };
    await expect(tokens.getToken()).resolves.toBe('token-2-client1-not-real');
    expect(seen.map((s) => s.client.secret)).toEqual(['secret-1-not-real', 'secret-new-not-real']);
  });

  it('fails after one request when the re-read finds the same credentials, saying what to check', async () => {
    answer = (_request, response) =>
      reply(response, 401, { error: 'invalid_client', error_description: 'bad secret-1-not-real' });
    const error = await failure(source().getToken());
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'rejected', status: 401, oauthError: 'invalid_client' });
    expect(error.message).toMatch(
      /token endpoint http:\/\/127\.0\.0\.1:\d+\/oauth2\/token answered 401 invalid_client for client id client1 \(credentials from .*credentials\.json\): .*mint-agent keeps the credentials current.*still holds the same credentials/,
    );
    expect(error.message).not.toContain('secret-1-not-real');
  });

  it('with a watcher, polls it for the rotated document and retries', async () => {
    s3.on(GetObjectCommand)
      .resolvesOnce({ Body: { transformToString: async () => JSON.stringify(doc(1)) } as never, ETag: '"1"' })
      .resolves({
        Body: { transformToString: async () => JSON.stringify(doc(1, 'secret-new-not-real')) } as never,
        ETag: '"2"',
      });
    const watcher = new CredentialsWatcher({ bucket: 'mint', appId: 'orders', region: 'eu-central-1' });
    answer = rejectSecret('secret-1-not-real');
    const tokens = createTokenSource({ watcher, tokenEndpoint: endpoint, now });
    await expect(tokens.getToken()).resolves.toBe('token-2-client1-not-real');
    expect(seen.map((s) => s.client.secret)).toEqual(['secret-1-not-real', 'secret-new-not-real']);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(2);
  });
});

describe('createTokenSource: with a watcher', () => {
  it("follows the watcher's current document", async () => {
    let current = doc(1);
    const watcher = { current: () => current, poll: async () => false };
    const tokens = createTokenSource({ watcher, tokenEndpoint: endpoint, now });
    await expect(tokens.getToken()).resolves.toBe('token-1-client1-not-real');
    await expect(tokens.getToken()).resolves.toBe('token-1-client1-not-real');
    current = doc(2);
    await expect(tokens.getToken()).resolves.toBe('token-2-client2-not-real');
  });

  it('says where to look when the watcher has no document', async () => {
    const tokens = createTokenSource({
      watcher: { current: () => undefined, poll: async () => false },
      tokenEndpoint: endpoint,
    });
    await expect(failure(tokens.getToken())).resolves.toMatchObject({
      code: 'no-credentials',
      message: expect.stringMatching(/see the watcher's 'error' events/),
    });
  });
});

describe('createTokenSource: errors name what failed, never a secret or a token', () => {
  const leaks = (message: string) => /not-real/.test(message);

  it.each([
    [
      'invalid_scope',
      400,
      { error: 'invalid_scope', error_description: 'secret-1-not-real' },
      /answered 400 invalid_scope for client id client1 .*AllowedOAuthScopes/,
    ],
    [
      'unauthorized_client',
      400,
      { error: 'unauthorized_client' },
      /answered 400 unauthorized_client .*AllowedOAuthFlows client_credentials/,
    ],
    ['a 404 page', 404, '<html>secret-1-not-real</html>', /answered 404, not an OAuth 2\.0 response/],
    [
      'a 200 with a bad expiry',
      200,
      { access_token: 'token-x-not-real', expires_in: 'soon', token_type: 'Bearer' },
      /answered 200 without a usable token \(problem with: expires_in\)/,
    ],
    ['a 502', 502, 'secret-1-not-real', /answered 502: a failure on its side; retry later/],
  ])('%s', async (_name, status, body, message) => {
    answer = (_request, response) => reply(response, status, body);
    const error = await failure(source().getToken());
    expect(error).toBeInstanceOf(TokenError);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(endpoint);
    expect(leaks(error.message)).toBe(false);
  });

  it('a timeout', async () => {
    answer = () => {}; // never answers
    const error = await failure(source({ timeoutMs: 100 }).getToken());
    expect(error).toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/no answer within 100 ms/),
    });
  });

  it('a missing or malformed credentials file', async () => {
    rmSync(join(dir, 'credentials.json'));
    const missing = await failure(source().getToken());
    expect(missing).toMatchObject({ code: 'no-credentials' });
    expect(missing.message).toMatch(/cannot read .*credentials\.json \(ENOENT\): .*mint-agent --once/);
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify({ client_secret: 'secret-1-not-real' }));
    const malformed = await failure(source().getToken());
    expect(malformed.message).toMatch(/is not a Mint credentials document \(problem with: .*client_id/);
    expect(leaks(malformed.message)).toBe(false);
    expect(seen).toHaveLength(0);
  });
});

describe('mint-agent token', () => {
  const lines: string[] = [];
  const io = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) };
  beforeEach(() => {
    lines.length = 0;
  });

  it('reads flags, or the environment when a flag is absent; scopes repeat or are space-separated', () => {
    expect(
      parseTokenArgs(
        [
          '--credentials-dir',
          '/run/mint',
          '--token-endpoint',
          'https://d/oauth2/token',
          '--scope',
          'a/r b/w',
          '--scope',
          'c/x',
        ],
        {},
      ),
    ).toEqual({
      credentialsDir: '/run/mint',
      tokenEndpoint: 'https://d/oauth2/token',
      scopes: ['a/r', 'b/w', 'c/x'],
      help: false,
    });
    expect(
      parseTokenArgs([], { MINT_AGENT_DIR: '/d', MINT_TOKEN_ENDPOINT: 'https://e/oauth2/token' }),
    ).toMatchObject({
      credentialsDir: '/d',
      tokenEndpoint: 'https://e/oauth2/token',
      scopes: [],
    });
    expect(() => parseTokenArgs([], {})).toThrow(AgentUsageError);
    expect(() => parseTokenArgs([], {})).toThrow(
      /missing --credentials-dir \(or MINT_AGENT_DIR\), --token-endpoint \(or MINT_TOKEN_ENDPOINT\)/,
    );
    expect(() => parseTokenArgs(['extra'], {})).toThrow(AgentUsageError);
  });

  it('prints the token and exits 0', async () => {
    const args = { credentialsDir: dir, tokenEndpoint: endpoint, scopes: ['orders-api/read'], help: false };
    expect(await runToken(args, io)).toBe(0);
    expect(lines).toEqual(['token-1-client1-not-real']);
    expect(new URLSearchParams(seen[0]?.body).get('scope')).toBe('orders-api/read');
  });

  it('exits 1 with the reason and no secret when the endpoint refuses, 2 for an unusable endpoint', async () => {
    answer = (_request, response) => reply(response, 400, { error: 'invalid_client' });
    const args = { credentialsDir: dir, tokenEndpoint: endpoint, scopes: [], help: false };
    expect(await runToken(args, io)).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^ERR mint-agent token: .* answered 400 invalid_client/)]);
    expect(lines.join('\n')).not.toMatch(/not-real/);
    expect(await runToken({ ...args, tokenEndpoint: 'http://auth.example.com/oauth2/token' }, io)).toBe(2);
  });

  it('is what `mint-agent token` runs', async () => {
    const write = jest.spyOn(process.stdout, 'write');
    try {
      expect(await main(['token', '--credentials-dir', dir, '--token-endpoint', endpoint])).toBe(0);
      expect(write).toHaveBeenCalledWith('token-1-client1-not-real\n');
    } finally {
      write.mockRestore();
    }
  });
});
