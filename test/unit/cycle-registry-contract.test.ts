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
  start(executionArn: string, startDate: Date, stateMachineArn?: string): void;
  stop(executionArn: string): void;
  restore(): void;
}

const MACHINE = 'arn:aws:states:eu-central-1:111111111111:stateMachine:Mint';

const cycleSubjects: [string, () => CycleSubject][] = [
  [
    'StepFunctionsCycleRegistry on FakeAws',
    () => {
      const aws = new FakeAws();
      // One execution per page: the adapter must follow nextToken.
      aws.executionsPageSize = 1;
      return {
        registry: new StepFunctionsCycleRegistry(new SFNClient({ region: 'eu-central-1' })),
        start: (executionArn, startDate, stateMachineArn = MACHINE) => {
          aws.running.push({ executionArn, startDate, stateMachineArn, status: 'RUNNING' });
        },
        stop: (executionArn) => {
          for (const e of aws.running) if (e.executionArn === executionArn) e.status = 'SUCCEEDED';
        },
        restore: () => aws.restore(),
      };
    },
  ],
  [
    'InMemoryCycleRegistry',
    () => {
      const registry = new InMemoryCycleRegistry();
      return {
        registry,
        start: (arn, date, machine = MACHINE) => registry.start(machine, arn, date),
        stop: (arn) => registry.stop(arn),
        restore: () => {},
      };
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

  it('lists neither another state machine’s executions nor stopped ones', async () => {
    subject.start(`${MACHINE}:c1`, new Date('2026-01-01T00:00:00Z'));
    subject.start(`${MACHINE}:c2`, new Date('2026-01-02T00:00:00Z'));
    subject.start(`${MACHINE}:c3`, new Date('2026-01-03T00:00:00Z'));
    subject.stop(`${MACHINE}:c2`);
    subject.start(`${MACHINE}Other:x`, new Date('2026-01-04T00:00:00Z'), `${MACHINE}Other`);
    await expect(subject.registry.running(MACHINE)).resolves.toEqual([
      { executionArn: `${MACHINE}:c3`, startDate: new Date('2026-01-03T00:00:00Z') },
      { executionArn: `${MACHINE}:c1`, startDate: new Date('2026-01-01T00:00:00Z') },
    ]);
  });
});
