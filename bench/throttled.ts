import { cycleReportSchema } from '../lambdas/contracts/documents';
import { cycleKeys } from '../lambdas/contracts/keys';
import type { CallStats } from '../lambdas/core/call-policy';
import { type CycleRun, runCycle } from '../local/engine';
import { FakeAws } from '../local/in-memory-aws/fake-aws';
import type { ApiClass } from '../local/in-memory-aws/throttling';
import { VirtualClock } from '../local/in-memory-aws/virtual-clock';
import { capturingOutput } from '../local/output';
import { renderDefinition, synthMint } from '../local/stack';
import { throttledAccount } from './account';
import { benchEnvironment, makeTenthDue, startBenchKio, taskFunctions } from './scenario';
import { prepareStore, type StoreName, storeContext, storeWrites } from './stores';

export interface ThrottledCycle {
  /** The identity store (absent: IAM, as before the field existed). */
  store?: StoreName;
  apps: number;
  /** The store's write rate Mint paces to: mint:iamWritesPerSecond, or MINT_COGNITO_WRITES_PER_SECOND with Cognito. */
  iamWritesPerSecond: number;
  cycle: 'first' | 'ten-percent-due';
  status: CycleRun['status'];
  /** From the execution's start to its end, in simulated seconds. */
  makespanSeconds: number;
  /** IAM writes AWS accepted. */
  iamWrites: number;
  /** With Cognito: the store's writes AWS accepted (the lower bound's numerator instead of iamWrites). */
  storeWrites?: number;
  /** The fastest the store's write rate allows: its writes ÷ rate. */
  lowerBoundSeconds: number;
  /** makespan ÷ lower bound. */
  ratio: number;
  calls: number;
  /** Calls AWS refused for their rate (IAM, STS, S3), and what share of all calls they were. */
  throttledCalls: number;
  throttledShare: number;
  retries: number;
  /** Apps the cycle ended without serving (after its retry pass), and users it could not reconcile. */
  appsFailed: number;
  lambdaGbSeconds: number;
  longestInvocation: { state: string; seconds: number; timeoutSeconds: number; shareOfTimeout: number };
}

const sum = (counts: Record<ApiClass, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * The first cycle of `apps` new apps, then a cycle where 10 % are due, with IAM answering at most
 * `rate` writes per second: the synthesized definition and the real handlers on a virtual clock, so
 * an hour of throttled rotation takes seconds. With the Cognito store, Mint paces its Cognito writes to
 * `rate` (MINT_COGNITO_WRITES_PER_SECOND) and the pool answers each request-rate category at its
 * default quota (`bench/account.ts`).
 */
export async function measureThrottled(
  apps: number,
  rate: number,
  store: StoreName = 'iam',
): Promise<ThrottledCycle[]> {
  const { template } = synthMint({ 'mint:kioUrl': 'http://127.0.0.1:1', ...storeContext(store, rate) });
  const definition = renderDefinition(template);
  const functions = taskFunctions(definition, template);
  const kio = await startBenchKio(apps);
  const clock = new VirtualClock(Date.now(), { macrotaskRounds: 0 });
  const aws = new FakeAws(throttledAccount(clock, rate));
  const prepared = prepareStore(store, aws, apps);
  const environment = benchEnvironment(template, kio.url, aws);
  const cycle = async (name: ThrottledCycle['cycle']): Promise<ThrottledCycle> => {
    const stats: CallStats = { calls: 0, throttled: 0, retries: 0 };
    const callsBefore = aws.calls.length;
    const refusedBefore = aws.refusedCalls.length;
    const throttledBefore = aws.throttled;
    const classBefore = aws.callsByClass;
    const startedAt = clock.now();
    const { result: run } = await capturingOutput(false, () =>
      clock.run(() =>
        runCycle(
          definition,
          {},
          {
            environment,
            name,
            ...(prepared.fetch ? { target: { fetch: prepared.fetch } } : {}),
            clock,
            pace: true,
            stats,
          },
        ),
      ),
    );
    const makespanSeconds = (clock.now() - startedAt) / 1000;
    const throttled = aws.throttled;
    const byClass = aws.callsByClass;
    const iamWrites =
      byClass.iamWrite - classBefore.iamWrite - (throttled.iamWrite - throttledBefore.iamWrite);
    const refused = aws.refusedCalls.slice(refusedBefore);
    // IAM's, STS's and S3's refusals by class; Cognito's only by operation.
    const throttledCalls = store === 'iam' ? sum(throttled) - sum(throttledBefore) : refused.length;
    const accepted: Record<string, number> = {};
    for (const op of aws.calls.slice(callsBefore)) accepted[op] = (accepted[op] ?? 0) + 1;
    for (const op of refused) accepted[op] = (accepted[op] ?? 0) - 1;
    const cognitoWrites = store === 'cognito' ? storeWrites('cognito', accepted) : undefined;
    const lowerBoundSeconds = (cognitoWrites ?? iamWrites) / rate;
    let gbSeconds = 0;
    let longest = { state: '', seconds: 0, timeoutSeconds: 1, shareOfTimeout: 0 };
    for (const invocation of run.invocations ?? []) {
      const fn = functions[invocation.state];
      const seconds = invocation.durationMs / 1000;
      gbSeconds += seconds * ((fn?.memoryMb ?? 128) / 1024);
      const timeoutSeconds = fn?.timeoutSeconds ?? 3;
      if (seconds / timeoutSeconds > longest.shareOfTimeout)
        longest = {
          state: invocation.state,
          seconds,
          timeoutSeconds,
          shareOfTimeout: seconds / timeoutSeconds,
        };
    }
    return {
      ...(store === 'iam' ? {} : { store }),
      apps,
      iamWritesPerSecond: rate,
      cycle: name,
      status: run.status,
      makespanSeconds,
      iamWrites,
      ...(cognitoWrites !== undefined ? { storeWrites: cognitoWrites } : {}),
      lowerBoundSeconds,
      ratio: lowerBoundSeconds > 0 ? makespanSeconds / lowerBoundSeconds : 0,
      calls: stats.calls,
      throttledCalls,
      throttledShare: stats.calls > 0 ? throttledCalls / stats.calls : 0,
      retries: stats.retries,
      appsFailed: appsFailed(aws, name, apps),
      lambdaGbSeconds: gbSeconds,
      longestInvocation: longest,
    };
  };
  try {
    const first = await cycle('first');
    // A tenth of the apps become due by the time the next cycle starts.
    makeTenthDue(aws, environment, clock.now());
    const due = await cycle('ten-percent-due');
    return [first, due];
  } finally {
    aws.restore();
    await kio.close();
  }
}

/** Apps the cycle did not serve, from its report: failed outcomes its retry pass did not recover, and users not reconciled. */
function appsFailed(aws: FakeAws, cycleId: string, apps: number): number {
  const text = aws.object(cycleKeys.report(cycleId));
  if (text === undefined) return apps;
  const report = cycleReportSchema.parse(JSON.parse(text));
  const recovered = new Set(report.retry?.recovered ?? []);
  const failed = report.outcomes.filter((o) => o.status === 'failed' && !recovered.has(o.appId)).length;
  return failed + report.reconcile.failureCount;
}

export const THROTTLED_SIZES = [1000, 5000];
export const THROTTLED_RATES = [5, 10, 20];
/** The Cognito store's throttled cycles run at its default write rate (MINT_COGNITO_WRITES_PER_SECOND). */
export const COGNITO_THROTTLED_RATE = 10;

export interface ThrottledTarget {
  name: string;
  limit: number;
  worst: number;
  met: boolean;
}

/**
 * The targets a full rotation at scale must meet, over the throttled cycles at 5,000 apps. Smaller
 * sizes are reported too; there the fixed part of a cycle (listing users, writing the report) weighs
 * more against a short lower bound.
 */
export function throttledTargets(measured: readonly ThrottledCycle[]): ThrottledTarget[] {
  const cycles = measured.filter((c) => c.apps >= 5000 && (c.store ?? 'iam') === 'iam');
  // Not measured at 5,000 apps (`--throttled-sizes`): no verdict rather than a vacuous one.
  if (cycles.length === 0) return [];
  const check = (name: string, limit: number, values: number[]): ThrottledTarget => {
    const worst = Math.max(0, ...values);
    return { name, limit, worst, met: worst <= limit };
  };
  return [
    check(
      'throttled at 5,000 apps: apps failed',
      0,
      cycles.map((c) => c.appsFailed),
    ),
    check(
      'throttled at 5,000 apps: makespan / lower bound',
      1.25,
      cycles.map((c) => c.ratio),
    ),
    check(
      'throttled at 5,000 apps: longest invocation / timeout',
      0.8,
      cycles.map((c) => c.longestInvocation.shareOfTimeout),
    ),
    check(
      'throttled at 5,000 apps: refused calls / all calls',
      0.1,
      cycles.map((c) => c.throttledShare),
    ),
  ];
}

export const THROTTLED_HEADERS = [
  'apps',
  'IAM writes/s',
  'cycle',
  'makespan (s)',
  'lower bound (s)',
  'ratio',
  'IAM writes',
  'calls',
  'throttled',
  'retries',
  'apps failed',
  'Lambda GB-s',
  'longest invocation',
];

/** The headers for the Cognito store's throttled cycles: its write rate and writes in IAM's columns. */
export const COGNITO_THROTTLED_HEADERS = THROTTLED_HEADERS.map((h) =>
  h === 'IAM writes/s' ? 'Cognito writes/s' : h === 'IAM writes' ? 'Cognito writes' : h,
);

export function throttledRows(
  cycles: readonly ThrottledCycle[],
  fmt: (n: number, digits?: number) => string,
): string[][] {
  return cycles.map((c) => [
    fmt(c.apps),
    fmt(c.iamWritesPerSecond),
    c.cycle === 'first' ? 'first (all new)' : '10 % due',
    fmt(c.makespanSeconds, 0),
    fmt(c.lowerBoundSeconds, 0),
    fmt(c.ratio, 3),
    fmt(c.storeWrites ?? c.iamWrites),
    fmt(c.calls),
    `${fmt(c.throttledCalls)} (${(c.throttledShare * 100).toFixed(1)} %)`,
    fmt(c.retries),
    fmt(c.appsFailed),
    fmt(c.lambdaGbSeconds, 0),
    `${c.longestInvocation.state} ${fmt(c.longestInvocation.seconds, 0)} s of ${fmt(c.longestInvocation.timeoutSeconds)} s`,
  ]);
}
