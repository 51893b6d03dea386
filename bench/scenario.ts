import { COGNITO_MARK_ATTRIBUTES, customAttributeName } from '../lambdas/contracts/cognito-attributes';
import { readAllSettings, rotationPolicy } from '../lambdas/contracts/settings';
import { TAG } from '../lambdas/core/service-users';
import { type CycleRun, runCycle } from '../local/engine';
import { executionCost, largestPayloadBytes } from '../local/execution-cost';
import { FakeAws, type FakeAwsOptions } from '../local/in-memory-aws/fake-aws';
import { VirtualClock } from '../local/in-memory-aws/virtual-clock';
import { startKioStub } from '../local/kio-stub';
import { capturingOutput } from '../local/output';
import { lambdaEnvironment, renderDefinition, synthMint } from '../local/stack';
import { currentTask } from '../local/task-context';
import { throttledAccount } from './account';
import { type CycleUsage, cycleCostUsd } from './cost';
import { prepareStore, type StoreName, storeContext } from './stores';

/** Lambda duration is local in-process time plus this much per AWS call, as if every call were serial. */
export const ASSUMED_AWS_CALL_MS = 40;

/**
 * The calls AWS accepted, as indices into `calls`: every call made, less the ones it refused for their
 * rate (each is made again).
 */
function acceptedCalls(calls: readonly string[], refused: readonly string[]): number[] {
  const left = new Map<string, number>();
  for (const op of refused) left.set(op, (left.get(op) ?? 0) + 1);
  return calls.flatMap((op, index) => {
    const n = left.get(op) ?? 0;
    if (n === 0) return [index];
    left.set(op, n - 1);
    return [];
  });
}

/**
 * Replaces `aws.calls` with a list that also notes, for each call, the workflow state whose handler made
 * it (`currentTask`; '' outside any task): what splits a first cycle into creation and rotation.
 */
function recordCallStates(aws: FakeAws): string[] {
  const calls: string[] = [];
  const states: string[] = [];
  calls.push = (...operations: string[]) => {
    for (const _ of operations) states.push(currentTask.getStore()?.state ?? '');
    return Array.prototype.push.apply(calls, operations);
  };
  aws.calls = calls;
  return states;
}

export interface CycleMeasurement {
  /** Calls AWS refused for their rate (only when throttling is simulated). */
  throttledCalls?: number;
  /** How long the cycle took in simulated time (only when throttling is simulated). */
  simulatedMs?: number;
  status: CycleRun['status'];
  transitions: number;
  historyEvents: number;
  awsCalls: number;
  callsByOperation: Record<string, number>;
  /** The same calls by the workflow state whose function made them. */
  callsByState?: Record<string, Record<string, number>>;
  largestPayloadBytes: number;
  wallMs: number;
  rotated: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  costUsd: number;
}

export interface SizeMeasurement {
  apps: number;
  first: CycleMeasurement;
  idle: CycleMeasurement;
  tenPercentDue: CycleMeasurement;
  /**
   * What the 10 %-due cycle and the cycle after it (which records the rotations in the status document)
   * cost above two idle cycles, divided by the apps rotated (wall time: the whole 10 %-due cycle divided
   * by the apps it rotated).
   */
  perRotatedApp: PerAppCost & { wallMs: number };
  /**
   * With `retirement`: what retiring the previous access key or client secret at the end of its grace
   * period costs, per app (a retiring cycle and the one after it, above two idle cycles).
   */
  perRetiredApp?: PerAppCost & { apps: number };
}

/** What some cycles cost above as many idle cycles, divided among `apps` apps. */
export interface PerAppCost {
  transitions: number;
  awsCalls: number;
  /** Operations whose count is above the idle cycles' only. */
  callsByOperation: Record<string, number>;
  costUsd: number;
}

export function costAboveIdle(
  cycles: readonly CycleMeasurement[],
  idle: CycleMeasurement,
  apps: number,
): PerAppCost {
  const excess = (pick: (m: CycleMeasurement) => number) =>
    (cycles.reduce((sum, m) => sum + pick(m), 0) - cycles.length * pick(idle)) / apps;
  const operations = new Set(cycles.flatMap((m) => Object.keys(m.callsByOperation)));
  return {
    transitions: excess((m) => m.transitions),
    awsCalls: excess((m) => m.awsCalls),
    callsByOperation: Object.fromEntries(
      [...operations]
        .map((op) => [op, excess((m) => m.callsByOperation[op] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    ),
    costUsd: excess((m) => m.costUsd),
  };
}

/** The function each Task state invokes: its memory and timeout, read from the synthesized template. */
export interface TaskFunctions {
  [stateName: string]: { memoryMb: number; timeoutSeconds: number };
}

export function taskFunctions(
  definition: Record<string, unknown>,
  template: ReturnType<typeof synthMint>['template'],
): TaskFunctions {
  const functions = template.findResources('AWS::Lambda::Function');
  const memory: TaskFunctions = {};
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        // `Resource` names the function itself (payloadResponseOnly); lambda:invoke names it in Parameters.
        const fn = String(
          (state.Parameters as { FunctionName?: string } | undefined)?.FunctionName ?? state.Resource ?? '',
        );
        const logicalId = fn.split(':function:')[1] ?? '';
        memory[name] = {
          memoryMb: Number(functions[logicalId]?.Properties?.MemorySize ?? 128),
          timeoutSeconds: Number(functions[logicalId]?.Properties?.Timeout ?? 3),
        };
      }
      const processor = (state.ItemProcessor ?? state.Iterator) as
        | { States?: Record<string, Record<string, unknown>> }
        | undefined;
      if (processor?.States) visit(processor.States);
    }
  };
  visit(definition.States as Record<string, Record<string, unknown>>);
  return memory;
}

function measure(
  run: CycleRun,
  calls: { operation: string; state: string }[],
  functions: TaskFunctions,
): CycleMeasurement {
  const memory = Object.fromEntries(Object.entries(functions).map(([state, fn]) => [state, fn.memoryMb]));
  const { transitions, historyEvents } = executionCost(run.events);
  const callsByOperation: Record<string, number> = {};
  const callsByState: Record<string, Record<string, number>> = {};
  for (const { operation, state } of calls) {
    callsByOperation[operation] = (callsByOperation[operation] ?? 0) + 1;
    const ofState = callsByState[state] ?? {};
    ofState[operation] = (ofState[operation] ?? 0) + 1;
    callsByState[state] = ofState;
  }
  let lambdaInvocations = 0;
  let gbMs = 0;
  const entered = new Map<string, number>();
  for (const event of run.events) {
    const state = event.state as { name: string; type: string } | undefined;
    if (state?.type !== 'Task') continue;
    const key = `${state.name}#${String(event.index ?? '')}`;
    if (event.type === 'StateEntered') {
      entered.set(key, Number(event.timestamp));
      lambdaInvocations++;
    } else if (event.type === 'StateExited' || event.type === 'StateFailed') {
      const ms = Number(event.timestamp) - (entered.get(key) ?? Number(event.timestamp));
      gbMs += Math.max(1, ms) * ((memory[state.name] ?? 128) / 1024);
    }
  }
  // Calls are not attributed to tasks; charge them at the largest function's memory, serially.
  gbMs += calls.length * ASSUMED_AWS_CALL_MS * (Math.max(...Object.values(memory)) / 1024);
  const lambdaGbSeconds = gbMs / 1000;
  const output = (run.output ?? {}) as { report?: { rotated?: number } };
  const usage: CycleUsage = { transitions, lambdaGbSeconds, lambdaInvocations, calls: callsByOperation };
  return {
    status: run.status,
    transitions,
    historyEvents,
    awsCalls: calls.length,
    callsByOperation,
    callsByState,
    largestPayloadBytes: largestPayloadBytes(run.events),
    wallMs: run.wallMs,
    rotated: output.report?.rotated ?? 0,
    lambdaInvocations,
    lambdaGbSeconds,
    costUsd: cycleCostUsd(usage),
  };
}

/**
 * Three cycles of the synthesized workflow over `apps` Kio apps, with the deployed defaults, the real
 * handlers, and FakeAws (a stateful in-memory IAM/S3/STS/SFN behind aws-sdk-client-mock) counting
 * every AWS call: a first cycle where everything is new, an idle one, and one where 10 % are due.
 */
export interface MeasureOptions {
  /**
   * Builds the in-memory AWS for the synthesized stack (the budget test passes one that refuses what the
   * deployed policies refuse). Its bucket and boundary are the ones named here.
   */
  aws?: (
    template: ReturnType<typeof synthMint>['template'],
    definition: Record<string, unknown>,
    options: FakeAwsOptions,
  ) => FakeAws;
  bucket?: string;
  boundaryArn?: string;
  /**
   * Runs every cycle on a virtual clock against an account that throttles IAM writes over this rate
   * (`bench/account.ts`), with Mint pacing to it. Call counts then count what AWS accepted; the
   * refused calls are in `throttledCalls`.
   */
  iamWritesPerSecond?: number;
  /** With `iamWritesPerSecond`: whether a new access key takes IAM's propagation time (default yes). */
  keyPropagation?: boolean;
  /** The identity store the functions use (default IAM, as deployed by default); see `bench/stores.ts`. */
  store?: StoreName;
  /** Also measure retiring the rotated apps' previous secrets after their grace period (two more cycles). */
  retirement?: boolean;
}

/** A Kio stub serving `apps` active apps, 50 teams: the benchmark's registry. */
export function startBenchKio(apps: number): ReturnType<typeof startKioStub> {
  return startKioStub(
    Array.from({ length: apps }, (_, i) => ({
      id: `app-${i}`,
      team_id: `team-${i % 50}`,
      name: `App ${i}`,
      active: true,
    })),
  );
}

/** The Lambda environment the stack deploys, with the benchmark's bucket, boundary and Kio. */
export function benchEnvironment(
  template: ReturnType<typeof synthMint>['template'],
  kioUrl: string,
  aws: FakeAws,
  names: { bucket?: string; boundaryArn?: string } = {},
): Record<string, string> {
  const env = lambdaEnvironment(template, (resource) =>
    resource.type === 'AWS::S3::Bucket'
      ? (names.bucket ?? 'mint-bench')
      : (names.boundaryArn ?? `arn:aws:iam::${aws.account}:policy/mint-deny-all`),
  );
  return { ...env, MINT_KIO_URL: kioUrl };
}

/** One service user's marks, read and written in place: IAM user tags or Cognito custom attributes. */
interface UserMarks {
  get(mark: keyof typeof COGNITO_MARK_ATTRIBUTES): string | undefined;
  set(mark: keyof typeof COGNITO_MARK_ATTRIBUTES, value: string): void;
}

/** Every service user's marks in the store the environment names, in creation order. */
function userMarks(aws: FakeAws, environment: Record<string, string>): UserMarks[] {
  const settings = readAllSettings(environment);
  if (settings.identityStore === 'cognito') {
    const attribute = (mark: keyof typeof COGNITO_MARK_ATTRIBUTES) =>
      customAttributeName(COGNITO_MARK_ATTRIBUTES[mark]);
    return [...aws.cognitoPools.pool(settings.userPoolId).users.values()].map((user) => ({
      get: (mark) => user.attributes.get(attribute(mark)),
      set: (mark, value) => user.attributes.set(attribute(mark), value),
    }));
  }
  return [...aws.users.values()].map((user) => ({
    get: (mark) => user.tags[mark],
    set: (mark, value) => {
      user.tags[mark] = value;
    },
  }));
}

/**
 * Makes every tenth app due at `dueAt` by age, as in production, with the deployed rotation policy:
 * both its password and its access key or client secret (the dearer kind of rotation). The marks are
 * IAM user tags, or the pool users' custom attributes with the Cognito store.
 */
export function makeTenthDue(aws: FakeAws, environment: Record<string, string>, dueAt: number): void {
  const policy = rotationPolicy(readAllSettings(environment));
  const passwordStale = new Date(dueAt - policy.passwordMaxAgeMs).toISOString();
  const keyStale = new Date(dueAt - policy.accessKeyMaxAgeMs).toISOString();
  userMarks(aws, environment).forEach((marks, index) => {
    if (index % 10 !== 0) return;
    marks.set(TAG.passwordRotatedAt, passwordStale);
    marks.set(TAG.keyRotatedAt, keyStale);
  });
  publishedBefore(aws, new Date(dueAt - policy.passwordMaxAgeMs));
}

/**
 * Dates every credentials file as published at `when` at the latest, as the aged marks say: a file
 * published moments ago makes rotation read the user's marks again (they may be newer than the
 * cycle's listing), which an app that became due by age never needs.
 */
function publishedBefore(aws: FakeAws, when: Date): void {
  for (const [key, modified] of aws.modified)
    if (key.endsWith('/credentials.json') && modified > when) aws.modified.set(key, when);
}

/**
 * Ends the grace period of every previous access key or client secret at `dueAt` (as if its successor
 * had been published `previousKeyGraceHours` ago), without making a password or a new secret due: the
 * retirement each secret rotation costs later, alone. Returns how many apps have one to retire.
 */
export function endPreviousKeyGrace(
  aws: FakeAws,
  environment: Record<string, string>,
  dueAt: number,
): number {
  const policy = rotationPolicy(readAllSettings(environment));
  const graceOver = new Date(dueAt - policy.previousKeyGraceMs).toISOString();
  let retiring = 0;
  for (const marks of userMarks(aws, environment)) {
    if (!marks.get(TAG.previousKeyId)) continue;
    marks.set(TAG.keyRotatedAt, graceOver);
    retiring++;
  }
  publishedBefore(aws, new Date(graceOver));
  return retiring;
}

export async function measureSize(apps: number, options: MeasureOptions = {}): Promise<SizeMeasurement> {
  const rate = options.iamWritesPerSecond;
  const store = options.store ?? 'iam';
  const { template } = synthMint({ 'mint:kioUrl': 'http://127.0.0.1:1', ...storeContext(store, rate) });
  const definition = renderDefinition(template);
  const memory = taskFunctions(definition, template);
  const clock = rate ? new VirtualClock(Date.now(), { macrotaskRounds: 0 }) : undefined;
  const kio = await startBenchKio(apps);
  const fakeOptions =
    clock && rate ? throttledAccount(clock, rate, { keyPropagation: options.keyPropagation !== false }) : {};
  const aws = options.aws ? options.aws(template, definition, fakeOptions) : new FakeAws(fakeOptions);
  const prepared = prepareStore(store, aws, apps);
  const environment = benchEnvironment(template, kio.url, aws, options);
  try {
    // The handlers log and emit EMF; a benchmark prints only its table.
    const cycle = async (name: string, offsetMs: number) => {
      const states = recordCallStates(aws);
      const refusedBefore = aws.refusedCalls.length;
      const execute = () =>
        runCycle(
          definition,
          {},
          {
            environment,
            target: { region: 'eu-central-1', ...(prepared.fetch ? { fetch: prepared.fetch } : {}) },
            name,
            now: () => new Date(Date.now() + offsetMs),
            ...(clock ? { clock, pace: true } : {}),
          },
        );
      const startedAt = clock?.now() ?? 0;
      const { result: run } = await capturingOutput(false, () => (clock ? clock.run(execute) : execute()));
      const refused = aws.refusedCalls.slice(refusedBefore);
      const accepted = acceptedCalls(aws.calls, refused).map((index) => ({
        operation: aws.calls[index] ?? '',
        state: states[index] ?? '',
      }));
      return {
        ...measure(run, accepted, memory),
        ...(clock ? { throttledCalls: refused.length, simulatedMs: clock.now() - startedAt } : {}),
      };
    };
    const first = await cycle('first', 0);
    // Every tenth app is made due between the idle cycle and the next one, by age as in production
    // (both its password and its access key: the dearer kind of rotation). The tags are rewritten
    // before `settle`, the first cycle after a change, which also writes the status document
    // (`_mint/status.json`) the change made different; so `idle` is the steady state.
    makeTenthDue(aws, environment, Date.now() + 3_600_000 + 45_000);
    await cycle('settle', 3_600_000);
    const idle = await cycle('idle', 3_600_000 + 30_000);
    const tenPercentDue = await cycle('ten-percent-due', 3_600_000 + 60_000);
    // Likewise the cycle after the rotations writes the status they changed: part of what they cost.
    const afterDue = await cycle('after-due', 3_600_000 + 90_000);
    const rotated = Math.max(1, tenPercentDue.rotated);
    let perRetiredApp: SizeMeasurement['perRetiredApp'];
    if (options.retirement) {
      // The rotated apps' previous secrets reach the end of their grace period: one cycle retires them,
      // the next records it in the status document.
      const retiring = endPreviousKeyGrace(aws, environment, Date.now() + 3_600_000 + 105_000);
      const retire = await cycle('retire-previous', 3_600_000 + 120_000);
      const afterRetire = await cycle('after-retire', 3_600_000 + 150_000);
      perRetiredApp = {
        apps: retiring,
        ...costAboveIdle([retire, afterRetire], idle, Math.max(1, retiring)),
      };
    }
    return {
      apps,
      first,
      idle,
      tenPercentDue,
      perRotatedApp: {
        ...costAboveIdle([tenPercentDue, afterDue], idle, rotated),
        wallMs: tenPercentDue.wallMs / rotated,
      },
      ...(perRetiredApp ? { perRetiredApp } : {}),
    };
  } finally {
    aws.restore();
    await kio.close();
  }
}
