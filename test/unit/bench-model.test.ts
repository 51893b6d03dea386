import { cycleCostUsd, monthlyCostUsd, PRICES } from '../../bench/cost';
import { type ThrottledCycle, throttledTargets } from '../../bench/throttled';
import { executionCost, largestPayloadBytes } from '../../local/execution-cost';

const entered = (type: string, index?: number) => ({
  type: 'StateEntered',
  state: { name: type, type, input: {} },
  index,
});

describe('executionCost', () => {
  it('counts transitions and history events the way a Standard execution records them', () => {
    const events = [
      entered('Task'), // 5 events
      entered('Choice'), // 2
      entered('Map'), // 4
      { type: 'MapIterationStarted' }, // 1
      entered('Task', 0), // 5
      { type: 'StateRetried' }, // 3, and a transition
      { type: 'MapIterationSucceeded' }, // 1
      entered('Succeed'), // 2
    ];
    // + ExecutionStarted and ExecutionSucceeded
    expect(executionCost(events)).toEqual({
      transitions: 6,
      historyEvents: 2 + 5 + 2 + 4 + 1 + 5 + 3 + 1 + 2,
    });
  });
});

describe('largestPayloadBytes', () => {
  it('measures the largest state input or output in UTF-8 bytes', () => {
    const events = [
      { type: 'StateEntered', state: { name: 'A', type: 'Task', input: { a: 'x' } } },
      { type: 'StateExited', state: { name: 'A', type: 'Task', input: {}, output: { a: 'ü'.repeat(10) } } },
    ];
    expect(largestPayloadBytes(events)).toBe(Buffer.byteLength(JSON.stringify({ a: 'ü'.repeat(10) })));
  });
});

describe('cost model', () => {
  it('prices transitions, Lambda and S3 requests', () => {
    const usd = cycleCostUsd({
      transitions: 1000,
      lambdaGbSeconds: 10,
      lambdaInvocations: 5,
      calls: { PutObject: 1000, GetObject: 1000, TagUser: 1000 },
    });
    expect(usd).toBeCloseTo(
      0.025 + 10 * PRICES.lambdaArmGbSecondUsd + 5 * PRICES.lambdaRequestUsd + 0.005 + 0.0004,
      10,
    );
  });

  it('adds each app rotation to the idle cycles of a month', () => {
    expect(
      monthlyCostUsd({
        cyclesPerMonth: 8640,
        idleCycleUsd: 0.001,
        perRotatedAppUsd: 0.0001,
        apps: 100,
        rotationsPerAppPerMonth: 30,
      }),
    ).toBeCloseTo(8.64 + 0.3, 10);
  });
});

describe('the throttled targets', () => {
  const cycle = (apps: number, over: Partial<ThrottledCycle> = {}): ThrottledCycle => ({
    apps,
    iamWritesPerSecond: 5,
    cycle: 'first',
    status: 'SUCCEEDED',
    makespanSeconds: 105,
    iamWrites: 500,
    lowerBoundSeconds: 100,
    ratio: 1.05,
    calls: 1000,
    throttledCalls: 10,
    throttledShare: 0.01,
    retries: 10,
    appsFailed: 0,
    lambdaGbSeconds: 1,
    longestInvocation: { state: 'RotateBatch', seconds: 60, timeoutSeconds: 600, shareOfTimeout: 0.1 },
    ...over,
  });

  it('are judged at 5,000 apps, each against its limit', () => {
    const verdicts = throttledTargets([
      cycle(5000),
      cycle(5000, { ratio: 1.3, appsFailed: 1 }),
      cycle(1000, { throttledShare: 0.5 }),
    ]);
    expect(verdicts.map((t) => [t.limit, t.worst, t.met])).toEqual([
      [0, 1, false],
      [1.25, 1.3, false],
      [0.8, 0.1, true],
      [0.1, 0.01, true],
    ]);
  });

  it('give no verdict when nothing was measured at 5,000 apps', () => {
    expect(throttledTargets([cycle(1000)])).toEqual([]);
  });
});
