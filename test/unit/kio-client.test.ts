import { fetchKioApps } from '../../lambdas/adapters/kio-client';
import { KioUnusableError } from '../../lambdas/core/errors';

type Answer = Response | Error;

function fakeFetch(answers: Answer[]) {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const impl = (async (url: string, init?: RequestInit) => {
    requests.push({ url: String(url), headers: (init?.headers ?? {}) as Record<string, string> });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  }) as unknown as typeof fetch;
  return { impl, requests };
}

describe('fetchKioApps', () => {
  const sleeps: number[] = [];
  const base = { baseUrl: 'https://kio.example.com/', sleep: async (ms: number) => void sleeps.push(ms) };
  beforeEach(() => {
    sleeps.length = 0;
  });

  it('sends the bearer token to GET /apps and returns the body', async () => {
    const { impl, requests } = fakeFetch([new Response('[]', { status: 200 })]);
    await expect(fetchKioApps({ ...base, fetchImpl: impl, token: async () => 'tok-123' })).resolves.toBe(
      '[]',
    );
    expect(requests).toEqual([
      {
        url: 'https://kio.example.com/apps',
        headers: { accept: 'application/json', authorization: 'Bearer tok-123' },
      },
    ]);
  });

  it('retries 429 (honouring Retry-After) and 5xx with growing backoff, then succeeds', async () => {
    const { impl, requests } = fakeFetch([
      new Response('slow down', { status: 429, headers: { 'retry-after': '2' } }),
      new Response('oops', { status: 502 }),
      new Response('oops', { status: 503 }),
      new Response('[{"id":"a"}]', { status: 200 }),
    ]);
    await expect(fetchKioApps({ ...base, fetchImpl: impl, baseDelayMs: 100 })).resolves.toBe('[{"id":"a"}]');
    expect(requests).toHaveLength(4);
    expect(sleeps[0]).toBe(2000);
    // Full-ish jitter: each wait lies in [cap/2, cap] of 100·2^attempt.
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
    expect(sleeps[2]).toBeGreaterThanOrEqual(200);
    expect(sleeps[2]).toBeLessThanOrEqual(400);
  });

  it('retries network errors and timeouts, then gives up with an unusable-response error', async () => {
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    const { impl, requests } = fakeFetch([new TypeError('fetch failed'), timeout, timeout]);
    const attempt = fetchKioApps({ ...base, fetchImpl: impl, retries: 2, timeoutMs: 50 });
    await expect(attempt).rejects.toThrow(KioUnusableError);
    await expect(
      fetchKioApps({ ...base, fetchImpl: fakeFetch([timeout]).impl, retries: 0, timeoutMs: 50 }),
    ).rejects.toThrow(/timeout after 50 ms.*nothing was deleted/);
    expect(requests).toHaveLength(3);
  });

  it('does not retry a client error such as 401 or 404', async () => {
    const { impl, requests } = fakeFetch([new Response('no', { status: 401 })]);
    await expect(fetchKioApps({ ...base, fetchImpl: impl })).rejects.toThrow(/HTTP 401/);
    expect(requests).toHaveLength(1);
  });
});
