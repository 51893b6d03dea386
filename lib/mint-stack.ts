import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { MintConfig } from './config';
import { CycleAlarms } from './cycle-alarms';
import { CycleSchedule } from './cycle-schedule';
import { OwnerAccess } from './owner-access';
import { RotationWorkflow } from './rotation-workflow';
import { SecretsBucket } from './secrets-bucket';
import { ServiceUserBoundary } from './service-user-boundary';

export interface MintStackProps extends StackProps {
  readonly config: MintConfig;
}

/** Wires Mint's constructs: the bucket, the service users' boundary, the workflow and its schedule. */
export class MintStack extends Stack {
  readonly secrets: SecretsBucket;
  readonly workflow: RotationWorkflow;
  readonly schedule: CycleSchedule;
  readonly alarms: CycleAlarms;

  constructor(scope: Construct, id: string, props: MintStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.secrets = new SecretsBucket(this, 'Secrets', {
      noncurrentVersionExpiryDays: config.noncurrentVersionExpiryDays,
    });
    const boundaryArn =
      config.permissionsBoundaryArn ??
      new ServiceUserBoundary(this, 'ServiceUserBoundary').policy.managedPolicyArn;
    this.workflow = new RotationWorkflow(this, 'Rotation', {
      config,
      bucket: this.secrets.bucket,
      key: this.secrets.key,
      boundaryArn,
    });
    new OwnerAccess(this, 'OwnerAccess', {
      bucket: this.secrets.bucket,
      key: this.secrets.key,
      organizationId: config.ownerOrganizationId,
      mintRoles: Object.values(this.workflow.functions).flatMap((fn) => (fn.role ? [fn.role] : [])),
    });
    this.schedule = new CycleSchedule(this, 'Schedule', {
      stateMachine: this.workflow.stateMachine,
      expression: config.schedule,
      enabled: config.scheduleEnabled,
    });
    this.alarms = new CycleAlarms(this, 'Alarms', {
      stateMachine: this.workflow.stateMachine,
      emails: config.alarmEmails,
      noSuccessMinutes: config.noSuccessAlarmMinutes,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'Subscribe here (besides mint:alarmEmails) to be told when Mint needs a person',
    });
    new CfnOutput(this, 'BucketName', {
      value: this.secrets.bucket.bucketName,
      description: 'Where credentials.json files are published',
    });
    new CfnOutput(this, 'KeyArn', {
      value: this.secrets.key.keyArn,
      description: "Owners' read roles need kms:Decrypt on this key (through S3)",
    });
    new CfnOutput(this, 'StateMachineArn', {
      value: this.workflow.stateMachine.stateMachineArn,
      description: 'The rotation cycle',
    });
  }
}
