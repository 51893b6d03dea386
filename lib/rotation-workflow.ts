import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { MintConfig } from './config';
import type { DeployedIdentityStore } from './identity-store';
import { acknowledgeFindings, arnToken } from './nag';
import type { MintFunction } from './permissions';
import { CycleDefinition } from './workflow/cycle-definition';
import { CycleFunctions } from './workflow/cycle-functions';
import { STATE } from './workflow-states';

/** Names of the workflow's states: tests and the local runner address tasks by these. */
export { STATE };

export interface RotationWorkflowProps {
  readonly config: MintConfig;
  readonly bucket: s3.IBucket;
  /** The bucket's KMS key: Mint's functions encrypt and decrypt with it. */
  readonly key: kms.IKey;
  /** Where the service users live: IAM (with their boundary and group) or a Cognito user pool. */
  readonly identityStore: DeployedIdentityStore;
}

/**
 * The rotation cycle as deployed: the functions (`CycleFunctions`), the definition that runs them
 * (`CycleDefinition`), and the Standard state machine with its execution log.
 */
export class RotationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<MintFunction, nodejs.NodejsFunction>;

  constructor(scope: Construct, id: string, props: RotationWorkflowProps) {
    super(scope, id);
    const { config } = props;
    // The id `Default` is left out of logical ids: the functions, roles and log groups keep the ids they
    // had when this construct created them itself, so moving them here replaces nothing deployed.
    const cycleFunctions = new CycleFunctions(this, 'Default', props);
    this.functions = cycleFunctions.functions;
    const definition = new CycleDefinition(this, 'Definition', {
      functions: this.functions,
      mapConcurrency: config.mapConcurrency,
    });

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: config.logRetentionDays });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition.chain),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(2),
      tracingEnabled: config.tracing,
      // Execution data stays out of the logs: states carry references only, but logs outlive executions.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'Mint rotation cycle',
    });

    cycleFunctions.grantStateMachine(this.stateMachine);
    acknowledgeFindings(
      this.stateMachine,
      'AwsSolutions-IAM5',
      Object.values(this.functions).map((f) => `Resource::${arnToken(f)}:*`),
      'CDK grants lambda:InvokeFunction on every version ("<fn>:*") of Mint\'s own step functions, and only those.',
    );
    acknowledgeFindings(
      this.stateMachine,
      'AwsSolutions-IAM5',
      ['Resource::*'],
      'Step Functions log delivery (logs:CreateLogDelivery and friends) supports only Resource "*" (CDK adds it for execution logging).',
    );
    if (!config.tracing) {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SF2',
        reason:
          'X-Ray tracing is opt-in (mint:tracing=true) to keep idle cycles cheap; execution logging is always on.',
      });
    }
  }
}
