import './polyfills';
import { CreatePolicyCommand, IAMClient, ListPoliciesCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { type AwsTarget, createAwsClients } from '../lambdas/adapters/aws-clients';
import type { Ports } from '../lambdas/adapters/ports';
import { identityWriteRate, type MintFunction, readFunctionSettings } from '../lambdas/contracts/settings';
import type { CallStats } from '../lambdas/core/call-policy';
import type { Clock } from '../lambdas/core/clock';
import { buildListAppsRuntime, listAppsStep } from '../lambdas/handlers/list-apps';
import { buildReconcileRuntime, reconcileStep, retryServiceUsersStep } from '../lambdas/handlers/reconcile';
import { buildReportRuntime, recordRetryStep, reportStep } from '../lambdas/handlers/report';
import { buildRotateBatchRuntime, rotateBatchStep } from '../lambdas/handlers/rotate-batch';
import { mintHandler, type RuntimeBuilder, type Step } from '../lambdas/handlers/runtime';
import { buildStartCycleRuntime, startCycleStep } from '../lambdas/handlers/start-cycle';
import { STATE } from '../lib/rotation-workflow';
import { LOCAL_ACCOUNT, LOCAL_REGION, type ReferencedResource } from './stack';
import { currentTask } from './task-context';

export { currentTask };

const fakeContext = {
  functionName: 'mint-local',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:mint-local`,
  memoryLimitInMB: '256',
  awsRequestId: 'local',
  logGroupName: 'local',
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

export type EventLog = Record<string, unknown>;

/** The state machine ARN the local engine puts in each execution's context. */
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:Mint`;

export interface CycleRun {
  name: string;
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: unknown;
  events: EventLog[];
  wallMs: number;
  /** With `clock`: each task invocation, in the order they ended, timed on that clock. */
  invocations?: TaskInvocationTime[];
}

/** One task invocation on the run's clock: `startedMs` is the clock's `now()` when it began. */
export interface TaskInvocationTime {
  state: string;
  startedMs: number;
  durationMs: number;
}

export interface RunCycleOptions {
  /** The Lambda environment the stack deploys (`MINT_*`): every function's settings are read from it. */
  environment: Record<string, string | undefined>;
  /** Where the handlers' AWS clients go: the local runner's moto endpoint; FakeAws needs none. */
  target?: AwsTarget;
  /** The execution's name; also the cycle id under `_mint/cycles/`. */
  name?: string;
  /** The clock the handlers see: the local runner moves it forward to make rotations due. */
  now?: () => Date;
  /** Other parts of the handlers' runtime to replace (tests: a key test that does not wait). */
  runtime?: Partial<Ports>;
  /**
   * Times each task invocation on this clock (the benchmark's virtual one: Lambda GB-seconds, the longest
   * invocation against its timeout). The engine itself still waits in real time (Retry intervals, task
   * timeouts).
   */
  clock?: Clock;
  /**
   * With `clock`: pace each invocation's IAM writes to MINT_IAM_WRITES_PER_SECOND (its share), as
   * deployed Lambdas do, and count calls, throttled answers and retries in `stats`. Off by default:
   * moto and an unthrottled in-memory AWS refuse nothing, and pacing on the system clock would only
   * slow local runs down (its random phase would also make virtual timelines differ run to run).
   */
  pace?: boolean;
  stats?: CallStats;
}

/**
 * Executes the synthesized definition with aws-local-stepfunctions, each task running the real
 * step (middy, Powertools and all) in-process, built from the runtime the environment given describes. Two narrow substitutions, both here: Task resources are mapped to in-process handlers,
 * and RetryFailedApps' retry interval is zero (its deployed interval waits for a concurrent cycle).
 */
export async function runCycle(
  definition: Record<string, unknown>,
  input: unknown,
  options: RunCycleOptions,
): Promise<CycleRun> {
  const name = options.name ?? `cycle-${Date.now()}`;
  const replace = { ...options.runtime, ...(options.now ? { now: options.now } : {}) };
  const { clock } = options;
  /**
   * A function's runtime as its Lambda entry builds it (the handler's own builder, from that function's
   * settings alone), over clients aimed at `target`; `replace` swaps parts, such as a test's key check.
   */
  const runtimeFor = <F extends MintFunction, R extends object>(fn: F, build: RuntimeBuilder<F, R>): R => {
    const settings = readFunctionSettings(fn, options.environment);
    const clients = createAwsClients(settings, options.target, {
      ...(clock ? { clock } : {}),
      // Writes are paced only when asked: the benchmark's throttled runs.
      ...(clock && options.pace ? { writesPerSecond: identityWriteRate(settings) } : {}),
      ...(options.stats ? { stats: options.stats } : {}),
    });
    return Object.assign(build(settings, clients), replace);
  };
  const invocations: TaskInvocationTime[] = [];
  const load = <F extends MintFunction, R extends object>(
    state: string,
    fn: F,
    build: RuntimeBuilder<F, R>,
    step: (runtime: R) => Step<unknown>,
  ) => {
    // Paced, each invocation is a Lambda of its own: its own clients and its own token bucket.
    const shared = options.pace ? undefined : mintHandler(step(runtimeFor(fn, build)));
    const invoke = (event: unknown) =>
      (shared ?? mintHandler(step(runtimeFor(fn, build))))(event, fakeContext) as Promise<never>;
    const timed = async (event: unknown, on: Clock) => {
      const startedMs = on.now();
      try {
        return await invoke(event);
      } finally {
        invocations.push({ state, startedMs, durationMs: on.now() - startedMs });
      }
    };
    return (event: unknown) =>
      currentTask.run({ state }, () => (clock ? timed(event, clock) : invoke(event)));
  };
  const handlers = {
    [STATE.startCycle]: load(STATE.startCycle, 'startCycle', buildStartCycleRuntime, startCycleStep),
    [STATE.listApps]: load(STATE.listApps, 'listApps', buildListAppsRuntime, listAppsStep),
    [STATE.reconcile]: load(STATE.reconcile, 'reconcile', buildReconcileRuntime, reconcileStep),
    [STATE.reconcileMore]: load(STATE.reconcileMore, 'reconcile', buildReconcileRuntime, reconcileStep),
    [STATE.retryServiceUsers]: load(
      STATE.retryServiceUsers,
      'reconcile',
      buildReconcileRuntime,
      retryServiceUsersStep,
    ),
    [STATE.rotateBatch]: load(STATE.rotateBatch, 'rotateBatch', buildRotateBatchRuntime, rotateBatchStep),
    [STATE.retryBatch]: load(STATE.retryBatch, 'rotateBatch', buildRotateBatchRuntime, rotateBatchStep),
    [STATE.report]: load(STATE.report, 'report', buildReportRuntime, reportStep),
    [STATE.recordRetry]: load(STATE.recordRetry, 'report', buildReportRuntime, recordRetryStep),
  };
  const started = performance.now();
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      retryIntervalOverrides: { [STATE.retryBatch]: 0, [STATE.retryServiceUsers]: 0 },
    },
    context: {
      Execution: {
        Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:Mint:${name}`,
        Name: name,
        Input: input,
        StartTime: (options.now?.() ?? new Date()).toISOString(),
      },
      StateMachine: { Id: LOCAL_STATE_MACHINE_ARN, Name: 'Mint' },
    } as never,
  });
  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event as unknown as EventLog);
  })();
  try {
    const output = await execution.result;
    await collecting;
    const timing = clock ? { invocations } : {};
    return { name, status: 'SUCCEEDED', output, events, wallMs: performance.now() - started, ...timing };
  } catch (error) {
    await collecting;
    const timing = clock ? { invocations } : {};
    return { name, status: 'FAILED', error, events, wallMs: performance.now() - started, ...timing };
  }
}

/** Local names of the resources the stack would create, derived from their logical ids. */
export function localBucketName(logicalId: string): string {
  return `mint-local-${logicalId.toLowerCase()}`.slice(0, 63);
}

/**
 * Creates, in the account behind AWS_ENDPOINT_URL, what the deployed Lambdas expect to exist: the
 * secrets bucket (versioned, as deployed) and the service users' permissions boundary (with the
 * template's own policy document). Idempotent, so an existing endpoint can be reused across runs.
 */
export async function provisionResource(resource: ReferencedResource): Promise<string> {
  const region = process.env.AWS_REGION ?? LOCAL_REGION;
  if (resource.type === 'AWS::S3::Bucket') {
    const s3 = new S3Client({ region, forcePathStyle: true });
    const bucket = localBucketName(resource.logicalId);
    try {
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          // us-east-1 is S3's default location: naming it is an error there (InvalidLocationConstraint).
          ...(region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'BucketAlreadyOwnedByYou')) throw error;
    }
    const versioning = resource.properties.VersioningConfiguration as { Status?: string } | undefined;
    if (versioning?.Status === 'Enabled') {
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }
    s3.destroy();
    return bucket;
  }
  if (resource.type === 'AWS::IAM::ManagedPolicy') {
    const iam = new IAMClient({ region });
    const policyName = `Mint-${resource.logicalId}`;
    try {
      const created = await iam.send(
        new CreatePolicyCommand({
          PolicyName: policyName,
          PolicyDocument: JSON.stringify(resource.properties.PolicyDocument),
          Description: String(resource.properties.Description ?? ''),
        }),
      );
      return created.Policy?.Arn ?? '';
    } catch (error) {
      if (!(error instanceof Error && error.name === 'EntityAlreadyExistsException')) throw error;
      const listed = await iam.send(new ListPoliciesCommand({ Scope: 'Local', MaxItems: 1000 }));
      const arn = listed.Policies?.find((p) => p.PolicyName === policyName)?.Arn;
      if (!arn) throw new Error(`policy ${policyName} exists but was not listed`);
      return arn;
    } finally {
      iam.destroy();
    }
  }
  throw new Error(
    `the Lambda environment refers to ${resource.logicalId} (${resource.type}), which the local runner does not create`,
  );
}
