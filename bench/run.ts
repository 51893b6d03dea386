// The SDK's notice that its 2027 releases need Node.js 22 is in the README; not on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { cdkJsonContext } from '../local/stack';
import { ACCOUNT_METHOD } from './account';
import { type BundleMeasurement, measureBundles } from './bundles';
import { monthlyCostUsd, PRICE_NOTES } from './cost';
import { ASSUMED_AWS_CALL_MS, measureSize, type SizeMeasurement } from './scenario';
import { clientsQuotaFor, STORES, type StoreMeasurement, storeMeasurement, storeTargets } from './stores';
import {
  COGNITO_THROTTLED_HEADERS,
  COGNITO_THROTTLED_RATE,
  measureThrottled,
  THROTTLED_HEADERS,
  THROTTLED_RATES,
  THROTTLED_SIZES,
  type ThrottledCycle,
  throttledRows,
  throttledTargets,
} from './throttled';

/** Bump when a field changes meaning or disappears; adding fields keeps the version. */
const SCHEMA_VERSION = 1;
const DEFAULT_SIZES = [10, 100, 1000, 5000];
/** Sizes at which both identity stores are compared. */
const DEFAULT_STORE_SIZES = [1000, 5000];
const DAYS_PER_MONTH = 30;

interface Target {
  name: string;
  limit: number;
  worst: number;
  met: boolean;
}

function cyclesPerMonth(schedule: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(schedule);
  if (!match) throw new Error(`cannot estimate cycles for schedule ${schedule}; use a rate() expression`);
  const minutes = Number(match[1]) * (match[2]?.startsWith('hour') ? 60 : 1);
  return (DAYS_PER_MONTH * 24 * 60) / minutes;
}

function targets(sizes: SizeMeasurement[], bundles: BundleMeasurement[]): Target[] {
  const check = (name: string, limit: number, values: number[]): Target => {
    const worst = Math.max(...values);
    return { name, limit, worst, met: worst <= limit };
  };
  const at5000 = sizes.filter((s) => s.apps >= 5000);
  return [
    check(
      'idle cycle: state transitions',
      20,
      sizes.map((s) => s.idle.transitions),
    ),
    check(
      'idle cycle: AWS calls above ceil(users/1000)',
      10,
      sizes.map((s) => s.idle.awsCalls - Math.ceil(s.apps / 1000)),
    ),
    check(
      'rotated app: state transitions',
      10,
      sizes.map((s) => s.perRotatedApp.transitions),
    ),
    check(
      'rotated app: AWS calls',
      12,
      sizes.map((s) => s.perRotatedApp.awsCalls),
    ),
    check(
      'largest state payload (bytes)',
      64 * 1024,
      sizes.flatMap((s) => [s.first, s.idle, s.tenPercentDue].map((c) => c.largestPayloadBytes)),
    ),
    ...(at5000.length > 0
      ? [
          check(
            'parent history events at 5,000 apps',
            5000,
            at5000.flatMap((s) => [s.first, s.idle, s.tenPercentDue].map((c) => c.historyEvents)),
          ),
        ]
      : []),
    check(
      'Lambda bundle (bytes)',
      1024 * 1024,
      bundles.map((b) => b.bytes),
    ),
  ];
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const operations = (calls: Record<string, number>) =>
  Object.entries(calls)
    .map(([operation, count]) => `${operation} ${fmt(count, Number.isInteger(count) ? 0 : 2)}`)
    .join(', ');
const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const storeLabel = (m: StoreMeasurement) => (m.store === 'iam' ? 'IAM' : 'Cognito');

/** Both identity stores side by side: the idle cycle, the first cycle per app, a rotation and a retirement per app. */
function storeTables(stores: StoreMeasurement[]): string {
  const out: string[] = [];
  out.push(
    `\nBoth identity stores (Cognito: in-memory pool; app clients quota raised to 10,000 above 1,000 apps). Store writes: the store's operations Mint paces to its write rate. Listing calls expected: IAM ceil(users/1000) GetAccountAuthorizationDetails; Cognito 2 x ceil(users/60) ListUsers + ListUserPoolClients.\n`,
  );
  out.push('Idle cycle:\n');
  out.push(
    table(
      [
        'store',
        'apps',
        'transitions',
        'AWS calls',
        'listing calls (expected)',
        'Lambda GB-s',
        'wall (ms)',
        'calls by operation',
      ],
      stores.map((m) => [
        storeLabel(m),
        fmt(m.apps),
        fmt(m.idle.transitions),
        fmt(m.idle.awsCalls),
        `${fmt(m.idle.listingCalls)} (${fmt(m.idle.expectedListingCalls)})`,
        fmt(m.idle.lambdaGbSeconds, 2),
        fmt(m.idle.wallMs),
        operations(m.idle.callsByOperation),
      ]),
    ),
  );
  out.push('\nFirst cycle (all apps new), per app: creation by Reconcile, then the first rotation:\n');
  out.push(
    table(
      [
        'store',
        'apps',
        'status',
        'AWS calls',
        'store writes',
        'creation writes',
        'first-rotation writes',
        'wall (ms, whole cycle)',
        'calls by operation, per app',
      ],
      stores.map((m) => [
        storeLabel(m),
        fmt(m.apps),
        m.firstCycle.status,
        fmt(m.firstCycle.awsCallsPerApp, 2),
        fmt(m.firstCycle.storeWritesPerApp, 2),
        fmt(m.firstCycle.creationWritesPerApp, 2),
        fmt(m.firstCycle.firstRotationWritesPerApp, 2),
        fmt(m.firstCycle.wallMs),
        operations(m.firstCycle.callsByOperationPerApp),
      ]),
    ),
  );
  out.push(
    '\nPer rotated app (password and secret), and per app retiring its previous secret after the grace period:\n',
  );
  out.push(
    table(
      ['store', 'apps', 'per', 'transitions', 'AWS calls', 'store writes', 'calls by operation'],
      stores.flatMap((m) =>
        (
          [
            ['rotation', m.perRotatedApp],
            ['retirement', m.perRetiredApp],
          ] as const
        ).flatMap(([label, c]) =>
          c
            ? [
                [
                  storeLabel(m),
                  fmt(m.apps),
                  label,
                  fmt(c.transitions, 2),
                  fmt(c.awsCalls, 2),
                  fmt(c.storeWrites, 2),
                  operations(c.callsByOperation),
                ],
              ]
            : [],
        ),
      ),
    ),
  );
  return out.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      sizes: { type: 'string' },
      loads: { type: 'string' },
      'throttled-sizes': { type: 'string' },
      'skip-throttled': { type: 'boolean' },
      'store-sizes': { type: 'string' },
      'cognito-throttled-sizes': { type: 'string' },
      'skip-stores': { type: 'boolean' },
    },
  });
  const cognitoThrottledSizes = values['skip-throttled']
    ? []
    : (values['cognito-throttled-sizes']?.split(',').map(Number) ?? [1000]);
  if (cognitoThrottledSizes.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) {
    process.stderr.write('--cognito-throttled-sizes: whole numbers from 1 to 5000, comma-separated\n');
    return 2;
  }
  const storeSizes = values['skip-stores']
    ? []
    : (values['store-sizes']?.split(',').map(Number) ?? DEFAULT_STORE_SIZES);
  if (storeSizes.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) {
    process.stderr.write('--store-sizes: whole numbers from 1 to 5000, comma-separated (e.g. 1000)\n');
    return 2;
  }
  const throttledSizes = values['skip-throttled']
    ? []
    : (values['throttled-sizes']?.split(',').map(Number) ?? THROTTLED_SIZES);
  if (throttledSizes.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) {
    process.stderr.write('--throttled-sizes: whole numbers from 1 to 5000, comma-separated (e.g. 1000)\n');
    return 2;
  }
  const sizesWanted = values.sizes ? values.sizes.split(',').map(Number) : DEFAULT_SIZES;
  if (sizesWanted.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) {
    process.stderr.write('--sizes: whole numbers from 1 to 5000, comma-separated (e.g. 10,100)\n');
    return 2;
  }
  const started = performance.now();
  const context = cdkJsonContext();
  const schedule = String(context['mint:schedule'] ?? 'rate(5 minutes)');
  const passwordHours = Number(context['mint:passwordMaxAgeHours'] ?? 24);
  const cycles = cyclesPerMonth(schedule);
  const rotationsPerApp = (DAYS_PER_MONTH * 24) / passwordHours;

  const sizes: SizeMeasurement[] = [];
  for (const apps of sizesWanted) sizes.push(await measureSize(apps, { retirement: true }));
  // Both stores at each size: IAM's from the sizes above when measured there, Cognito's run here.
  const stores: StoreMeasurement[] = [];
  for (const apps of storeSizes)
    for (const store of STORES) {
      const measured =
        (store === 'iam' ? sizes.find((s) => s.apps === apps) : undefined) ??
        (await measureSize(apps, { store, retirement: true }));
      stores.push(storeMeasurement(store, measured, store === 'cognito' ? clientsQuotaFor(apps) : undefined));
    }
  const throttled: ThrottledCycle[] = [];
  for (const apps of throttledSizes)
    for (const rate of THROTTLED_RATES) throttled.push(...(await measureThrottled(apps, rate)));
  for (const apps of cognitoThrottledSizes)
    throttled.push(...(await measureThrottled(apps, COGNITO_THROTTLED_RATE, 'cognito')));
  const bundles = measureBundles(Number(values.loads ?? 5));
  const monthly = sizes.map((s) => ({
    apps: s.apps,
    usd: monthlyCostUsd({
      cyclesPerMonth: cycles,
      idleCycleUsd: s.idle.costUsd,
      perRotatedAppUsd: s.perRotatedApp.costUsd,
      apps: s.apps,
      rotationsPerAppPerMonth: rotationsPerApp,
    }),
  }));
  const result = {
    schemaVersion: SCHEMA_VERSION,
    ranAt: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    method:
      'synthesized definition run by aws-local-stepfunctions with the real handlers in-process; AWS is FakeAws (stateful in-memory IAM/S3/STS/SFN via aws-sdk-client-mock) counting every call; no network latency',
    assumptions: {
      schedule,
      cyclesPerMonth: cycles,
      passwordRotationsPerAppPerMonth: rotationsPerApp,
      lambdaDuration: `local in-process time + ${ASSUMED_AWS_CALL_MS} ms per AWS call, serial`,
      prices: PRICE_NOTES,
    },
    sizes,
    stores: {
      method:
        "the same cycles with each identity store: IAM as deployed by default; Cognito as the stack deploys it with mint:identityStore=cognito on an existing pool (mint:userPoolId, mint:tokenEndpoint), the pool in memory with Mint's attributes, its app clients quota raised from 1,000 to 10,000 when the apps need more, its token endpoint answered in-process (counted as OAuth2Token)",
      sizes: stores,
    },
    bundles,
    monthlyCostUsd: monthly,
    throttled: {
      method: `the same, on a virtual clock: ${ACCOUNT_METHOD}; mint:iamWritesPerSecond is set to the rate`,
      cycles: throttled,
    },
    targets: [...targets(sizes, bundles), ...storeTargets(stores), ...throttledTargets(throttled)],
    benchWallSeconds: (performance.now() - started) / 1000,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  out.push(
    `Mint benchmark, ${result.ranAt} on ${result.machine.cpu} (${result.machine.cores} cores, ${result.machine.memoryGiB} GiB), Node ${result.machine.node}`,
  );
  out.push(`Method: ${result.method}.\n`);
  out.push(
    table(
      [
        'apps',
        'cycle',
        'transitions',
        'history events',
        'AWS calls',
        'largest payload (B)',
        'wall (ms)',
        'rotated',
      ],
      sizes.flatMap((s) =>
        (
          [
            ['first (all new)', s.first],
            ['idle', s.idle],
            ['10 % due', s.tenPercentDue],
          ] as const
        ).map(([label, c]) => [
          fmt(s.apps),
          label,
          fmt(c.transitions),
          fmt(c.historyEvents),
          fmt(c.awsCalls),
          fmt(c.largestPayloadBytes),
          fmt(c.wallMs),
          fmt(c.rotated),
        ]),
      ),
    ),
  );
  out.push(
    '\nPer rotated app (the 10 %-due cycle and the next one, which records it in the status document, minus two idle cycles, per app rotated; wall: whole cycle / apps):\n',
  );
  out.push(
    table(
      ['apps', 'transitions', 'AWS calls', 'wall (ms)', 'AWS calls by operation, per rotated app'],
      sizes.map((s) => [
        fmt(s.apps),
        fmt(s.perRotatedApp.transitions, 2),
        fmt(s.perRotatedApp.awsCalls, 2),
        fmt(s.perRotatedApp.wallMs, 2),
        operations(s.perRotatedApp.callsByOperation),
      ]),
    ),
  );
  out.push('\nIdle cycle AWS calls by operation:\n');
  out.push(
    table(
      ['apps', 'calls'],
      sizes.map((s) => [fmt(s.apps), operations(s.idle.callsByOperation)]),
    ),
  );
  out.push(
    '\nPer app whose previous secret is retired after its grace period (a retiring cycle and the next, minus two idle cycles):\n',
  );
  out.push(
    table(
      ['apps', 'transitions', 'AWS calls', 'AWS calls by operation, per retired app'],
      sizes.flatMap((s) =>
        s.perRetiredApp
          ? [
              [
                fmt(s.apps),
                fmt(s.perRetiredApp.transitions, 2),
                fmt(s.perRetiredApp.awsCalls, 2),
                operations(s.perRetiredApp.callsByOperation),
              ],
            ]
          : [],
      ),
    ),
  );
  if (stores.length > 0) out.push(storeTables(stores));
  out.push('\nLambda bundles (minified, @aws-sdk/* provided by the runtime):\n');
  out.push(
    table(
      ['function', 'bytes', `load in a fresh process, median of ${bundles[0]?.loads ?? 0} (ms)`],
      bundles.map((b) => [b.function, fmt(b.bytes), fmt(b.loadMsMedian, 1)]),
    ),
  );
  out.push(
    `\nEstimated monthly cost at ${schedule} (${fmt(cycles)} cycles, ${fmt(rotationsPerApp)} password rotations per app):\n`,
  );
  out.push(
    table(
      ['apps', 'USD per month'],
      monthly.map((m) => [fmt(m.apps), usd(m.usd)]),
    ),
  );
  out.push(`Prices: ${PRICE_NOTES.join('; ')}. Lambda duration: ${result.assumptions.lambdaDuration}.`);
  const iamThrottled = throttled.filter((c) => (c.store ?? 'iam') === 'iam');
  const cognitoThrottled = throttled.filter((c) => c.store === 'cognito');
  if (iamThrottled.length > 0) {
    out.push(`\nUnder IAM's write throttling (${result.throttled.method}):\n`);
    out.push(table(THROTTLED_HEADERS, throttledRows(iamThrottled, fmt)));
  }
  if (cognitoThrottled.length > 0) {
    out.push(
      '\nThe Cognito store on the same account: Mint paces its Cognito writes to MINT_COGNITO_WRITES_PER_SECOND; lower bound = Cognito writes / that rate:\n',
    );
    out.push(table(COGNITO_THROTTLED_HEADERS, throttledRows(cognitoThrottled, fmt)));
  }
  out.push('\nTargets:\n');
  out.push(
    table(
      ['target', 'limit', 'worst measured', 'met'],
      result.targets.map((t) => [
        t.name,
        fmt(t.limit, Number.isInteger(t.limit) ? 0 : 2),
        fmt(t.worst, 2),
        t.met ? 'yes' : 'NO',
      ]),
    ),
  );
  out.push(`\nBenchmark wall time: ${result.benchWallSeconds.toFixed(1)} s.`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm run bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
