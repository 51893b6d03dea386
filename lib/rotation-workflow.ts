import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { METRICS } from '../lambdas/core/metrics';
import type { MintConfig } from './config';
import { FunctionGrants } from './function-grants';
import { acknowledgeFindings, arnToken } from './nag';
import type { MintFunction } from './permissions';
import { STATE } from './workflow-states';

export { STATE };

export interface RotationWorkflowProps {
  readonly config: MintConfig;
  readonly bucket: s3.IBucket;
  /** The bucket's KMS key: Mint's functions encrypt and decrypt with it. */
  readonly key: kms.IKey;
  /** ARN of the permissions boundary every service user must carry. */
  readonly boundaryArn: string;
}

/** Names of the workflow's states: tests and the local runner address tasks by these. */

const HANDLERS = path.join(__dirname, '..', 'lambdas', 'handlers');

/** Transient Lambda-service errors: always worth another try, with jittered exponential backoff. */
const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

/**
 * The cycle: StartCycle → ListApps → ReconcileServiceUsers → RotateDueApps (Map over batch files)
 * → Report → RetryFailedApps (Map over batches of only the failed apps). The retry Map is where a
 * failed execution stops, so a console Redrive re-runs exactly its failed iterations: the failed apps.
 */
export class RotationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<MintFunction, nodejs.NodejsFunction>;

  constructor(scope: Construct, id: string, props: RotationWorkflowProps) {
    super(scope, id);
    const { config, bucket } = props;
    const environment: Record<string, string> = {
      MINT_BUCKET: bucket.bucketName,
      MINT_USER_PATH: config.userPath,
      MINT_BOUNDARY_ARN: props.boundaryArn,
      MINT_KIO_URL: config.kioUrl,
      MINT_PASSWORD_MAX_AGE_HOURS: String(config.passwordMaxAgeHours),
      MINT_ACCESS_KEY_MAX_AGE_DAYS: String(config.accessKeyMaxAgeDays),
      MINT_PREVIOUS_KEY_GRACE_HOURS: String(config.previousKeyGraceHours),
      MINT_MAX_DELETIONS_PER_CYCLE: String(config.maxDeletionsPerCycle),
      MINT_BATCH_SIZE: String(config.batchSize),
      MINT_BATCH_CONCURRENCY: String(config.batchConcurrency),
      POWERTOOLS_SERVICE_NAME: METRICS.service,
      POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
      ...(config.kioTokenSecretName ? { MINT_KIO_TOKEN_SECRET: config.kioTokenSecretName } : {}),
    };
    const tracing = config.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED;
    const fn = (name: string, entry: string, timeout: Duration, memorySize = 256) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: config.logRetentionDays });
      const f = new nodejs.NodejsFunction(this, name, {
        entry: path.join(HANDLERS, entry),
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize,
        timeout,
        environment,
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
      startCycle: fn('StartCycleFn', 'start-cycle.ts', Duration.seconds(30)),
      listApps: fn('ListAppsFn', 'list-apps.ts', Duration.minutes(2)),
      reconcile: fn('ReconcileFn', 'reconcile.ts', Duration.minutes(10), 512),
      rotateBatch: fn('RotateBatchFn', 'rotate-batch.ts', Duration.minutes(10), 512),
      report: fn('ReportFn', 'report.ts', Duration.minutes(5), 512),
    };
    const grants = new FunctionGrants(this, {
      functions: this.functions,
      bucket,
      key: props.key,
      boundaryArn: props.boundaryArn,
      userPath: config.userPath,
      kioTokenSecretName: config.kioTokenSecretName,
      tracing: config.tracing,
    });

    const invoke = (
      id: string,
      f: lambda.IFunction,
      payload: Record<string, unknown>,
      resultPath?: string,
    ) => {
      const task = new tasks.LambdaInvoke(this, id, {
        lambdaFunction: f,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath,
      });
      return task.addRetry({
        errors: LAMBDA_TRANSIENT,
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
        maxDelay: Duration.seconds(60),
        jitterStrategy: sfn.JitterType.FULL,
      });
    };
    const cycle = sfn.JsonPath.objectAt('$.cycle');

    const startCycle = invoke(STATE.startCycle, this.functions.startCycle, {
      input: sfn.JsonPath.objectAt('$$.Execution.Input'),
      executionArn: sfn.JsonPath.stringAt('$$.Execution.Id'),
      executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
      startTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
      stateMachineArn: sfn.JsonPath.stringAt('$$.StateMachine.Id'),
    });
    const listApps = invoke(STATE.listApps, this.functions.listApps, { cycle }, '$.apps');
    const reconcile = invoke(
      STATE.reconcile,
      this.functions.reconcile,
      { cycle, apps: sfn.JsonPath.objectAt('$.apps') },
      '$.reconcile',
    );

    const batchMap = (id: string, itemsPath: string, retry: boolean, resultPath: string) =>
      new sfn.Map(this, id, {
        itemsPath,
        itemSelector: {
          cycle: sfn.JsonPath.objectAt('$.cycle'),
          batch: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
          retry,
        },
        maxConcurrency: config.mapConcurrency,
        resultPath,
      });

    // One small result per batch (inline outcomes, or a failure count when they are in S3), for Report.
    const rotateDueApps = batchMap(STATE.rotateDueApps, '$.reconcile.batches', false, '$.rotation');
    // A batch whose function dies (timeout, out of memory, crash) must not stop the others: its apps
    // are reported failed with the cause, and the retry pass takes them again.
    const batchLost = new sfn.Pass(this, STATE.batchLost, {
      parameters: { lost: { 'error.$': '$.lost.Error', 'cause.$': '$.lost.Cause' } },
    });
    rotateDueApps.itemProcessor(
      invoke(STATE.rotateBatch, this.functions.rotateBatch, {
        'cycle.$': '$.cycle',
        'batch.$': '$.batch',
        'retry.$': '$.retry',
      }).addCatch(batchLost, { errors: ['States.ALL'], resultPath: '$.lost' }),
    );

    const report = invoke(
      STATE.report,
      this.functions.report,
      {
        cycle,
        apps: sfn.JsonPath.objectAt('$.apps'),
        reconcile: sfn.JsonPath.objectAt('$.reconcile'),
        rotation: sfn.JsonPath.objectAt('$.rotation'),
      },
      '$.report',
    );

    const retryBatch = invoke(STATE.retryBatch, this.functions.rotateBatch, {
      'cycle.$': '$.cycle',
      'batch.$': '$.batch',
      'retry.$': '$.retry',
    })
      .addRetry({
        errors: ['Mint.CycleBusy'],
        interval: Duration.seconds(60),
        backoffRate: 1.5,
        maxAttempts: 10,
        maxDelay: Duration.minutes(5),
        jitterStrategy: sfn.JitterType.FULL,
      })
      .addRetry({
        errors: ['Mint.AppsFailed'],
        interval: Duration.seconds(20),
        backoffRate: 2,
        maxAttempts: 2,
        jitterStrategy: sfn.JitterType.FULL,
      });
    const retryFailedApps = batchMap(
      STATE.retryFailedApps,
      '$.report.retryBatches',
      true,
      sfn.JsonPath.DISCARD,
    );
    retryFailedApps.itemProcessor(retryBatch);

    const done = new sfn.Succeed(this, STATE.done);
    const deletionsCapped = new sfn.Choice(this, STATE.deletionsCapped)
      .when(
        sfn.Condition.booleanEquals('$.report.deletionsBlocked', true),
        new sfn.Fail(this, STATE.deletionsBlocked, {
          error: 'Mint.DeletionsBlocked',
          cause:
            'More service users would be deleted than mint:maxDeletionsPerCycle allows, so none were. Check Kio; if the deletions are intended, raise the cap and redeploy.',
        }),
      )
      .otherwise(done);
    // Users that could not be created, repaired, deleted or granted are taken again here, and only they;
    // when they still fail the execution fails in this task, so a console redrive re-runs exactly it.
    const retryServiceUsers = invoke(
      STATE.retryServiceUsers,
      this.functions.reconcile,
      {
        phase: 'retry',
        cycle,
        apps: sfn.JsonPath.objectAt('$.apps'),
        failedApps: sfn.JsonPath.listAt('$.reconcile.failedApps'),
        failedAppsTruncated: sfn.JsonPath.objectAt('$.reconcile.failedAppsTruncated'),
        ownersFailed: sfn.JsonPath.objectAt('$.reconcile.ownersFailed'),
      },
      sfn.JsonPath.DISCARD,
    ).addRetry({
      errors: ['Mint.ServiceUsersNotReconciled'],
      interval: Duration.seconds(20),
      backoffRate: 2,
      maxAttempts: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    retryServiceUsers.next(deletionsCapped);
    const usersReconciled = new sfn.Choice(this, STATE.usersReconciled)
      .when(sfn.Condition.numberGreaterThan('$.report.reconcileFailures', 0), retryServiceUsers)
      .otherwise(deletionsCapped);
    // Only after a successful retry pass (a failed one ends the execution, and a redrive comes back here):
    // the cycle report then says which apps recovered, not just that they failed at first.
    const recordRetry = invoke(
      STATE.recordRetry,
      this.functions.report,
      { phase: 'retry', cycle, report: sfn.JsonPath.objectAt('$.report') },
      sfn.JsonPath.DISCARD,
    );
    retryFailedApps.next(recordRetry).next(usersReconciled);

    const definition = startCycle.next(
      new sfn.Choice(this, STATE.anotherCycleRunning)
        .when(sfn.Condition.booleanEquals('$.proceed', false), new sfn.Succeed(this, STATE.skipped))
        .otherwise(
          listApps
            .next(reconcile)
            .next(rotateDueApps)
            .next(report)
            .next(
              new sfn.Choice(this, STATE.anyAppFailed)
                .when(sfn.Condition.numberGreaterThan('$.report.failedApps', 0), retryFailedApps)
                .otherwise(usersReconciled),
            ),
        ),
    );

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: config.logRetentionDays });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(2),
      tracingEnabled: config.tracing,
      // Execution data stays out of the logs: states carry references only, but logs outlive executions.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'Mint rotation cycle',
    });

    grants.grantStateMachine(this.stateMachine);
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
