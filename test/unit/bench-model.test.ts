import { cycleCostUsd, monthlyCostUsd, PRICES } from '../../bench/cost';
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
