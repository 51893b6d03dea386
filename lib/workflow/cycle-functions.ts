import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { functionEnvironment } from '../../lambdas/contracts/settings';
import { METRICS } from '../../lambdas/core/metrics';
import { type MintConfig, ROTATE_BATCH_TIMEOUT_SECONDS } from '../config';
import { FunctionGrants } from '../function-grants';
import type { DeployedIdentityStore } from '../identity-store';
import type { MintFunction } from '../permissions';

export interface CycleFunctionsProps {
  readonly config: MintConfig;
  /** The secrets bucket: where every function reads and writes. */
  readonly bucket: s3.IBucket;
  /** The bucket's KMS key: Mint's functions encrypt and decrypt with it. */
  readonly key: kms.IKey;
  /** Where the service users live: IAM (with their boundary and group) or a Cognito user pool. */
  readonly identityStore: DeployedIdentityStore;
}

const HANDLERS = path.join(__dirname, '..', '..', 'lambdas', 'handlers');

/**
 * Each function's environment: only the settings it reads (`FUNCTION_SCHEMAS` in
 * `lambdas/contracts/settings.ts`, which also parses them at run time), plus Powertools' names. The
 * identity store's settings are passed for the chosen store only: a Cognito deployment has no IAM path,
 * boundary or group, an IAM one no pool.
 */
export function cycleFunctionEnvironment(
  fn: MintFunction,
  props: CycleFunctionsProps,
): Record<string, string> {
  const { config } = props;
  const store = props.identityStore;
  const storeSettings =
    store.kind === 'iam'
      ? {
          userPath: config.userPath,
          boundaryArn: store.boundaryArn,
          serviceUserGroup: store.serviceUserGroup,
          iamWritesPerSecond: config.iamWritesPerSecond,
        }
      : {
          userPoolId: store.userPool.userPoolId,
          oauthScopes: config.oauthScopes,
          tokenEndpoint: store.tokenEndpoint,
          cognitoWritesPerSecond: config.cognitoWritesPerSecond,
          cognitoAppClientsQuota: config.cognitoAppClientsQuota,
        };
  return {
    ...functionEnvironment(fn, {
      bucket: props.bucket.bucketName,
      identityStore: store.kind,
      ...storeSettings,
      kioUrl: config.kioUrl,
      kioTokenSecret: config.kioTokenSecretName,
      passwordMaxAgeHours: config.passwordMaxAgeHours,
      accessKeyMaxAgeDays: config.accessKeyMaxAgeDays,
      previousKeyGraceHours: config.previousKeyGraceHours,
      maxDeletionsPerCycle: config.maxDeletionsPerCycle,
      batchSize: config.batchSize,
      batchConcurrency: config.batchConcurrency,
      mapConcurrency: config.mapConcurrency,
    }),
    POWERTOOLS_SERVICE_NAME: METRICS.service,
    POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
  };
}

/**
 * The Lambda functions the cycle's steps run, one per handler in `lambdas/handlers`, each with its log
 * group, its grants (from `permissions.ts`, through `FunctionGrants`) and its cdk-nag acknowledgements.
 * The grants on the state machine come later, from `grantStateMachine`: the state machine is built from
 * these functions, so it cannot exist yet.
 */
export class CycleFunctions extends Construct {
  readonly functions: Record<MintFunction, nodejs.NodejsFunction>;
  private readonly grants: FunctionGrants;

  constructor(scope: Construct, id: string, props: CycleFunctionsProps) {
    super(scope, id);
    const { config } = props;
    const tracing = config.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED;
    const fn = (fnName: MintFunction, name: string, entry: string, timeout: Duration, memorySize = 256) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: config.logRetentionDays });
      const f = new nodejs.NodejsFunction(this, name, {
        entry: path.join(HANDLERS, entry),
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize,
        timeout,
        environment: cycleFunctionEnvironment(fnName, props),
        tracing,
        logGroup,
        bundling: { minify: true, sourceMap: false, target: 'node22', forceDockerBundling: false },
      });
      Validations.of(f).acknowledge({
        id: 'AwsSolutions::AwsSolutions-L1',
        reason:
          'Mint pins Node.js 22, the runtime its handlers are bundled for (target node22) and tested on.',
      });
      Validations.of(f).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole only lets the function write its own logs; CDK attaches it to every function role.',
      });
      return f;
    };
    this.functions = {
      startCycle: fn('startCycle', 'StartCycleFn', 'start-cycle.ts', Duration.seconds(30)),
      listApps: fn('listApps', 'ListAppsFn', 'list-apps.ts', Duration.minutes(2)),
      reconcile: fn('reconcile', 'ReconcileFn', 'reconcile.ts', Duration.minutes(10), 512),
      rotateBatch: fn(
        'rotateBatch',
        'RotateBatchFn',
        'rotate-batch.ts',
        Duration.seconds(ROTATE_BATCH_TIMEOUT_SECONDS),
        512,
      ),
      report: fn('report', 'ReportFn', 'report.ts', Duration.minutes(5), 512),
    };
    this.grants = new FunctionGrants(this, {
      functions: this.functions,
      bucket: props.bucket,
      key: props.key,
      identityStore: props.identityStore,
      userPath: config.userPath,
      kioTokenSecretName: config.kioTokenSecretName,
      tracing: config.tracing,
    });
  }

  /** The functions' grants on the state machine that runs them (finding running cycles). */
  grantStateMachine(stateMachine: sfn.IStateMachine): void {
    this.grants.grantStateMachine(stateMachine);
  }
}
