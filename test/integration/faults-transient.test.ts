import { summarizeCycle } from '../../local/summary';
import { FaultBench, STEPS } from '../support/rotation-faults';

/**
 * One call of one app's rotation is throttled once, as IAM and S3 do under load. The SDK's standard
 * retry mode (and, for STS, the key test's own retries) must absorb it: the cycle succeeds as if
 * nothing happened. Mocked clients cannot show this; their retry middleware is bypassed.
 */
describe('a call throttled once during one app rotation', () => {
  let bench: FaultBench;
  beforeAll(async () => {
    bench = await FaultBench.start({ MINT_AWS_TIMEOUT_MS: '1000' });
  });
  afterAll(() => bench?.stop());
  beforeEach(() => bench.reset());

  it.each(STEPS)('$step: the same cycle finishes the rotation', async ({ service, operation, due, when }) => {
    const offset = await bench.prepare(due);
    const before = await bench.published();
    const injectedBefore = bench.proxy.injected.length;
    bench.proxy.arm({ service, operation, when, kind: 'throttle', times: 1 });
    const run = await bench.cycle(offset);
    expect(bench.proxy.injected.length).toBe(injectedBefore + 1);
    expect(run.status).toBe('SUCCEEDED');
    // Absorbed within the call, not by RetryFailedApps: the first pass reported no failure.
    expect(summarizeCycle(run).failures).toEqual([]);
    await bench.expectHealthy();
    if (due === 'rotation') expect((await bench.published())?.client_id).not.toBe(before?.client_id);
    else expect(await bench.keys()).toHaveLength(1);
  });
});
