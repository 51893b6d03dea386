import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { MintConfig } from './config';
import { CycleAlarms } from './cycle-alarms';
import { CycleSchedule } from './cycle-schedule';
import type { DeployedIdentityStore } from './identity-store';
import { OwnerAccess } from './owner-access';
import { RotationWorkflow } from './rotation-workflow';
import { SecretsBucket } from './secrets-bucket';
import { ServiceUserBoundary } from './service-user-boundary';
import { ServiceUserPool } from './service-user-pool';

export interface MintStackProps extends StackProps {
  readonly config: MintConfig;
}

/**
 * Wires Mint's constructs: the bucket, where the service users live (IAM with their boundary, or a
 * Cognito user pool), the workflow and its schedule.
 */
export class MintStack extends Stack {
  readonly secrets: SecretsBucket;
  /** The service users' user pool, with `mint:identityStore` = `cognito`. */
  readonly servicePool?: ServiceUserPool;
  readonly workflow: RotationWorkflow;
  readonly schedule: CycleSchedule;
  readonly alarms: CycleAlarms;

  constructor(scope: Construct, id: string, props: MintStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.secrets = new SecretsBucket(this, 'Secrets', {
      noncurrentVersionExpiryDays: config.noncurrentVersionExpiryDays,
    });
    let identityStore: DeployedIdentityStore;
    if (config.identityStore === 'cognito') {
      this.servicePool = new ServiceUserPool(this, 'ServiceUsers', {
        oauthScopes: config.oauthScopes,
        existing:
          config.userPoolId !== undefined && config.tokenEndpoint !== undefined
            ? { userPoolId: config.userPoolId, tokenEndpoint: config.tokenEndpoint }
            : undefined,
        domainPrefix: config.userPoolDomainPrefix,
      });
      identityStore = {
        kind: 'cognito',
        userPool: this.servicePool.userPool,
        tokenEndpoint: this.servicePool.tokenEndpoint,
      };
    } else {
      identityStore = {
        kind: 'iam',
        boundaryArn:
          config.permissionsBoundaryArn ??
          new ServiceUserBoundary(this, 'ServiceUserBoundary').policy.managedPolicyArn,
        serviceUserGroup: config.serviceUserGroup,
      };
    }
    this.workflow = new RotationWorkflow(this, 'Rotation', {
      config,
      bucket: this.secrets.bucket,
      key: this.secrets.key,
      identityStore,
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
    if (this.servicePool) {
      new CfnOutput(this, 'UserPoolId', {
        value: this.servicePool.userPool.userPoolId,
        description: "The Cognito user pool of the service users (each app's user and app client)",
      });
      new CfnOutput(this, 'TokenEndpoint', {
        value: this.servicePool.tokenEndpoint,
        description: 'Where apps exchange client_id and client_secret for tokens (client_credentials)',
      });
    }
  }
}
