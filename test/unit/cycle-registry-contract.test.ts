import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsCycleRegistry } from '../../lambdas/adapters/cycle-registry';
import { InMemoryCycleRegistry } from '../../lambdas/adapters/in-memory';
import { FakeAws } from '../../local/in-memory-aws/fake-aws';

/**
 * The same behavioural cases against the real adapter (over FakeAws, the SDK-level double) and its
 * in-memory port: what the services rely on, so a service tested on the in-memory port meets the
 * behaviour it meets in production.
 */

interface CycleSubject {
  registry: { running(stateMachineArn: string): Promise<{ executionArn: string; startDate: Date }[]> };
  start(executionArn: string, startDate: Date): void;
  restore(): void;
}

const MACHINE = 'arn:aws:states:eu-central-1:111111111111:stateMachine:Mint';

const cycleSubjects: [string, () => CycleSubject][] = [
  [
    'StepFunctionsCycleRegistry on FakeAws',
    () => {
      const aws = new FakeAws();
      return {
        registry: new StepFunctionsCycleRegistry(new SFNClient({ region: 'eu-central-1' })),
        start: (executionArn, startDate) => {
          aws.running.unshift({ executionArn, startDate });
        },
        restore: () => aws.restore(),
      };
    },
  ],
  [
    'InMemoryCycleRegistry',
    () => {
      const registry = new InMemoryCycleRegistry();
      return { registry, start: (arn, date) => registry.start(MACHINE, arn, date), restore: () => {} };
    },
  ],
];

describe.each(cycleSubjects)('CycleRegistry contract: %s', (_name, make) => {
  let subject: CycleSubject;
  beforeEach(() => {
    subject = make();
  });
  afterEach(() => subject.restore());

  it('lists the running executions with their start dates, newest first', async () => {
    await expect(subject.registry.running(MACHINE)).resolves.toEqual([]);
    subject.start(`${MACHINE}:c1`, new Date('2026-01-01T00:00:00Z'));
    subject.start(`${MACHINE}:c2`, new Date('2026-01-02T00:00:00Z'));
    await expect(subject.registry.running(MACHINE)).resolves.toEqual([
      { executionArn: `${MACHINE}:c2`, startDate: new Date('2026-01-02T00:00:00Z') },
      { executionArn: `${MACHINE}:c1`, startDate: new Date('2026-01-01T00:00:00Z') },
    ]);
  });
});
