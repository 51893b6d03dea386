import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS } from '../lambdas/core/metrics';

export interface CycleAlarmsProps {
  /** The rotation cycle whose executions are watched. */
  readonly stateMachine: sfn.IStateMachine;
  /** Who is told: each address gets an SNS email subscription (to confirm once). */
  readonly emails: readonly string[];
  /** Alarm when no cycle has succeeded for this long, in minutes. */
  readonly noSuccessMinutes: number;
}

/**
 * What pages the person on call: failed, timed-out, aborted or throttled executions, apps that could
 * not be served, deletions held back by the cap, and silence (no successful cycle for a while). Each
 * alarm's name is the heading of its entry in the README's runbook.
 */
export class CycleAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: Record<string, cloudwatch.Alarm> = {};

  constructor(scope: Construct, id: string, props: CycleAlarmsProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic gets a
    // key of its own that lets CloudWatch use it.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Mint alarm topic encryption',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Mint alarms',
      masterKey: key,
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    const notify = new actions.SnsAction(this.topic);

    const everyFiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    // No executions means nothing failed: missing data is not an alarm for these.
    const atLeastOnce = (name: string, metric: cloudwatch.IMetric, description: string) => {
      const alarm = new cloudwatch.Alarm(this, name, {
        alarmName: `Mint-${name}`,
        alarmDescription: `${description} Runbook: README, section "${name}".`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      this.alarms[name] = alarm;
    };
    const { stateMachine } = props;
    atLeastOnce('ExecutionsFailed', stateMachine.metricFailed(everyFiveMinutes), 'A Mint cycle failed.');
    atLeastOnce(
      'ExecutionsTimedOut',
      stateMachine.metricTimedOut(everyFiveMinutes),
      'A Mint cycle timed out.',
    );
    atLeastOnce(
      'ExecutionsAborted',
      stateMachine.metricAborted(everyFiveMinutes),
      'A Mint cycle was aborted.',
    );
    atLeastOnce(
      'ExecutionThrottled',
      stateMachine.metricThrottled(everyFiveMinutes),
      'Step Functions throttled Mint.',
    );
    const mintMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: METRICS.namespace,
        metricName,
        dimensionsMap: { service: METRICS.service },
        ...everyFiveMinutes,
      });
    atLeastOnce('AppsFailed', mintMetric(METRICS.appsFailed), 'At least one app could not be served.');
    atLeastOnce(
      'DeletionsBlocked',
      mintMetric(METRICS.deletionsBlocked),
      'More service users would have been deleted than the per-cycle cap allows; none were.',
    );

    // Silence is a failure too: a stopped schedule or a broken trigger fires nothing else.
    const noSuccess = new cloudwatch.Alarm(this, 'NoSuccessfulCycle', {
      alarmName: 'Mint-NoSuccessfulCycle',
      alarmDescription: `No Mint cycle has succeeded for ${props.noSuccessMinutes} minutes. Runbook: README, section "NoSuccessfulCycle".`,
      metric: stateMachine.metricSucceeded({
        period: Duration.minutes(props.noSuccessMinutes),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    noSuccess.addAlarmAction(notify);
    this.alarms.NoSuccessfulCycle = noSuccess;
  }
}
