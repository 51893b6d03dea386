import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface CycleScheduleProps {
  readonly stateMachine: sfn.IStateMachine;
  /** EventBridge schedule expression, e.g. `rate(5 minutes)`. */
  readonly expression: string;
  readonly enabled: boolean;
}

/** Starts one normal cycle (`{}` as input) on the schedule. */
export class CycleSchedule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: CycleScheduleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Mint: start a rotation cycle',
      schedule: events.Schedule.expression(props.expression),
      enabled: props.enabled,
      targets: [
        new targets.SfnStateMachine(props.stateMachine, {
          input: events.RuleTargetInput.fromObject({}),
          retryAttempts: 2,
        }),
      ],
    });
  }
}
