import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { MintFunction } from '../permissions';
import { STATE } from '../workflow-states';

export interface CycleDefinitionProps {
  /** The function each step invokes, by the step's function name. */
  readonly functions: Record<MintFunction, lambda.IFunction>;
  /** How many batches a Map state rotates at once (`mint:mapConcurrency`). */
  readonly mapConcurrency: number;
}

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
 *
 * States are not CloudFormation resources: this construct only builds `chain`, which the state machine
 * renders. State names come from `STATE`, which the CLI, the local engine and the tests address.
 */
export class CycleDefinition extends Construct {
  /** The first state, from which the state machine renders the whole definition. */
  readonly chain: sfn.IChainable;

  constructor(scope: Construct, id: string, props: CycleDefinitionProps) {
    super(scope, id);
    const { functions } = props;
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

    const startCycle = invoke(STATE.startCycle, functions.startCycle, {
      input: sfn.JsonPath.objectAt('$$.Execution.Input'),
      executionArn: sfn.JsonPath.stringAt('$$.Execution.Id'),
      executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
      startTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
      stateMachineArn: sfn.JsonPath.stringAt('$$.StateMachine.Id'),
    });
    const listApps = invoke(STATE.listApps, functions.listApps, { cycle }, '$.apps');
    const reconcile = invoke(
      STATE.reconcile,
      functions.reconcile,
      { cycle, apps: sfn.JsonPath.objectAt('$.apps') },
      '$.reconcile',
    );
    // More users to create than one invocation's share of the IAM write rate: Reconcile again, adding
    // to what the earlier invocations did, until every user exists; only then does rotation start.
    const reconcileMore = invoke(
      STATE.reconcileMore,
      functions.reconcile,
      { cycle, apps: sfn.JsonPath.objectAt('$.apps'), previous: sfn.JsonPath.objectAt('$.reconcile') },
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
        maxConcurrency: props.mapConcurrency,
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
      invoke(STATE.rotateBatch, functions.rotateBatch, {
        'cycle.$': '$.cycle',
        'batch.$': '$.batch',
        'retry.$': '$.retry',
      }).addCatch(batchLost, { errors: ['States.ALL'], resultPath: '$.lost' }),
    );

    const report = invoke(
      STATE.report,
      functions.report,
      {
        cycle,
        apps: sfn.JsonPath.objectAt('$.apps'),
        reconcile: sfn.JsonPath.objectAt('$.reconcile'),
        rotation: sfn.JsonPath.objectAt('$.rotation'),
      },
      '$.report',
    );

    const retryBatch = invoke(STATE.retryBatch, functions.rotateBatch, {
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
      functions.reconcile,
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
      functions.report,
      { phase: 'retry', cycle, report: sfn.JsonPath.objectAt('$.report') },
      sfn.JsonPath.DISCARD,
    );
    retryFailedApps.next(recordRetry).next(usersReconciled);

    rotateDueApps
      .next(report)
      .next(
        new sfn.Choice(this, STATE.anyAppFailed)
          .when(sfn.Condition.numberGreaterThan('$.report.failedApps', 0), retryFailedApps)
          .otherwise(usersReconciled),
      );
    const moreUsers = new sfn.Choice(this, STATE.moreServiceUsers)
      .when(sfn.Condition.booleanEquals('$.reconcile.more', true), reconcileMore)
      .otherwise(rotateDueApps);
    reconcileMore.next(moreUsers);

    this.chain = startCycle.next(
      new sfn.Choice(this, STATE.anotherCycleRunning)
        .when(sfn.Condition.booleanEquals('$.proceed', false), new sfn.Succeed(this, STATE.skipped))
        .otherwise(listApps.next(reconcile).next(moreUsers)),
    );
  }
}
