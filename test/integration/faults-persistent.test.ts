import { summarizeCycle } from '../../local/summary';
import type { FaultKind } from '../support/fault-proxy';
import { APP, FaultBench, STEPS } from '../support/rotation-faults';

const HOUR = 3_600_000;

/**
 * Every attempt of one call of one app's rotation fails for a whole cycle (the SDK makes one attempt,
 * so the step fails at once). Whatever failed, the next cycle must leave the app served by working
 * credentials, with at most two keys and no orphan key.
 */
describe('a call that keeps failing during one app rotation', () => {
  let bench: FaultBench;
  beforeAll(async () => {
    bench = await FaultBench.start({ MINT_AWS_MAX_ATTEMPTS: '1', MINT_AWS_TIMEOUT_MS: '300' });
  });
  afterAll(() => bench?.stop());
  beforeEach(() => bench.reset());

  // The key test retries STS for ~25 s by design; its persistent failure is covered by unit tests.
  const steps = STEPS.filter((s) => s.service !== 'sts');

  describe.each<FaultKind>(['server-error', 'timeout'])('%s', (kind) => {
    it.each(steps)(
      '$step: the next cycle repairs the app',
      async ({ step, service, operation, due, when }) => {
        const offset = await bench.prepare(due);
        const before = await bench.published();
        const injectedBefore = bench.proxy.injected.length;
        bench.proxy.arm({ service, operation, when, kind });
        const faulted = await bench.cycle(offset);
        bench.proxy.disarm();
        // This case's fault was really hit (the log of injected calls spans the whole suite).
        expect(bench.proxy.injected.length).toBeGreaterThan(injectedBefore);
        // The cycle can still succeed when RetryFailedApps resumes a rotation whose call was applied;
        // when it fails, the report names the app and the step.
        if (faulted.status === 'FAILED') {
          expect(summarizeCycle(faulted).failures.join('\n')).toContain(`${APP}: ${step.split(':')[0]}`);
        }
        await bench.expectServing();

        const recovery = await bench.cycle(offset + HOUR);
        expect(recovery.status).toBe('SUCCEEDED');
        await bench.expectHealthy();
        if (due === 'rotation') expect((await bench.published())?.client_id).not.toBe(before?.client_id);
        else expect(await bench.keys()).toHaveLength(1);
      },
    );
  });
});
