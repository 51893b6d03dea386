import { fetchKioApps, parseRetryAfter } from '../../lambdas/adapters/kio-client';
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

  describe("Retry-After within the step's time budget (issue 13, case 11)", () => {
    const throttled = (retryAfter: string) =>
      new Response('slow down', { status: 429, headers: { 'retry-after': retryAfter } });

    it('fails fast with Mint.KioUnusable naming the Retry-After when the wait does not fit', async () => {
      const { impl, requests } = fakeFetch([throttled('30')]);
      const attempt = fetchKioApps({ ...base, fetchImpl: impl, budgetMs: () => 20_000 });
      await expect(attempt).rejects.toMatchObject({ name: 'Mint.KioUnusable' });
      await expect(
        fetchKioApps({ ...base, fetchImpl: fakeFetch([throttled('30')]).impl, budgetMs: () => 20_000 }),
      ).rejects.toThrow(
        /throttling.*HTTP 429 with Retry-After: 30 \(30 s\), more than ListApps has left \(20 s\)/,
      );
      expect(requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });

    it('waits as Kio asks while the budget allows, then stops before the budget runs out', async () => {
      // The budget shrinks as time passes: 110 s (a 2-minute function less its margin).
      let elapsed = 0;
      const sleep = async (ms: number) => {
        sleeps.push(ms);
        elapsed += ms;
      };
      const { impl, requests } = fakeFetch([
        throttled('30'),
        throttled('30'),
        throttled('30'),
        throttled('30'),
      ]);
      const attempt = fetchKioApps({ ...base, sleep, fetchImpl: impl, budgetMs: () => 110_000 - elapsed });
      await expect(attempt).rejects.toThrow(/Retry-After: 30 .*more than ListApps has left \(20 s\)/);
      expect(sleeps).toEqual([30_000, 30_000, 30_000]);
      expect(requests).toHaveLength(4);
    });

    it('honours a Retry-After that fits, in seconds or as an HTTP date', async () => {
      const { impl } = fakeFetch([throttled('30'), new Response('[]', { status: 200 })]);
      await expect(fetchKioApps({ ...base, fetchImpl: impl, budgetMs: () => 100_000 })).resolves.toBe('[]');
      expect(sleeps).toEqual([30_000]);
      expect(
        parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 45)).toUTCString(), Date.UTC(2030, 0, 1)),
      ).toBe(45_000);
      expect(parseRetryAfter('soon')).toBeUndefined();
    });

    it('without a budget, a Retry-After longer than a minute is treated as an outage', async () => {
      const { impl } = fakeFetch([throttled('3600')]);
      await expect(fetchKioApps({ ...base, fetchImpl: impl })).rejects.toThrow(/Retry-After: 3600/);
      expect(sleeps).toEqual([]);
    });

    it('bounds each request by what is left of the budget', async () => {
      const signals: AbortSignal[] = [];
      const impl = (async (_url: string, init?: RequestInit) => {
        if (init?.signal) signals.push(init.signal);
        return new Response('[]', { status: 200 });
      }) as unknown as typeof fetch;
      await fetchKioApps({ ...base, fetchImpl: impl, budgetMs: () => 0 }).catch(() => undefined);
      expect(signals).toHaveLength(0);
    });
  });
});
