import { Match } from 'aws-cdk-lib/assertions';
import { ConfigError, loadMintConfig } from '../../lib/config';
import { synthMint } from '../support/workflow-harness';

describe('CycleAlarms', () => {
  const { stack, template } = synthMint({
    'mint:alarmEmails': ['oncall@example.com', 'platform@example.com'],
    'mint:noSuccessAlarmMinutes': 45,
  });
  const topicRef = { Ref: stack.resolve(stack.alarms.topic.topicArn).Ref as string };
  const machineRef = { Ref: stack.resolve(stack.workflow.stateMachine.stateMachineArn).Ref as string };

  const alarm = (name: string) => {
    const found = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: `Mint-${name}` },
    });
    const [props] = Object.values(found).map((r) => r.Properties as Record<string, unknown>);
    if (!props) throw new Error(`no alarm Mint-${name}`);
    return props;
  };

  it.each([['ExecutionsFailed'], ['ExecutionsTimedOut'], ['ExecutionsAborted'], ['ExecutionThrottled']])(
    '%s: any in five minutes notifies the topic; no executions is not an alarm',
    (metricName) => {
      expect(alarm(metricName)).toMatchObject({
        Namespace: 'AWS/States',
        MetricName: metricName,
        Dimensions: [{ Name: 'StateMachineArn', Value: machineRef }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicRef],
      });
    },
  );

  it.each([['AppsFailed'], ['DeletionsBlocked']])(
    '%s: watches the EMF metric the workflow emits',
    (metricName) => {
      expect(alarm(metricName)).toMatchObject({
        Namespace: 'Mint',
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: 'mint' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicRef],
      });
    },
  );

  it('fires when no cycle has succeeded for the configured time, silence included', () => {
    expect(alarm('NoSuccessfulCycle')).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsSucceeded',
      Dimensions: [{ Name: 'StateMachineArn', Value: machineRef }],
      Statistic: 'Sum',
      Period: 45 * 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [topicRef],
    });
  });

  it('notifies an encrypted, TLS-only topic with the configured email subscribers', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const emails = Object.values(template.findResources('AWS::SNS::Subscription')).map(
      (s) => (s.Properties as { Protocol: string; Endpoint: string }).Endpoint,
    );
    expect(emails.sort()).toEqual(['oncall@example.com', 'platform@example.com']);
    // CloudWatch may use the topic's key; without this the alarm actions fail silently.
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('takes emails as a list or comma-separated, and names a bad one', () => {
    const base = { 'mint:kioUrl': 'https://kio.example.com' };
    expect(
      loadMintConfig({ ...base, 'mint:alarmEmails': 'a@example.com, b@example.com' }).alarmEmails,
    ).toEqual(['a@example.com', 'b@example.com']);
    expect(loadMintConfig(base).alarmEmails).toEqual([]);
    expect(() => loadMintConfig({ ...base, 'mint:alarmEmails': 'oncall' })).toThrow(ConfigError);
    expect(() => loadMintConfig({ ...base, 'mint:alarmEmails': 'oncall' })).toThrow(/mint:alarmEmails/);
    expect(() => loadMintConfig({ ...base, 'mint:noSuccessAlarmMinutes': '5' })).toThrow(
      /mint:noSuccessAlarmMinutes/,
    );
  });
});
