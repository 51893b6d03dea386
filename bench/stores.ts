import * as Cognito from '@aws-sdk/client-cognito-identity-provider';
import * as IAM from '@aws-sdk/client-iam';
import { isCognitoWrite, isIamWrite } from '../lambdas/core/call-policy';
import { COGNITO_APP_CLIENTS_QUOTA } from '../lambdas/core/user-quota';
import { STATE } from '../lib/workflow-states';
import type { FakeAws } from '../local/in-memory-aws/fake-aws';
import type { CycleMeasurement, PerAppCost, SizeMeasurement } from './scenario';

/** The identity stores Mint can keep its service users in (`MINT_IDENTITY_STORE`). */
export type StoreName = 'iam' | 'cognito';
export const STORES: readonly StoreName[] = ['iam', 'cognito'];

export const BENCH_USER_POOL_ID = 'eu-central-1_MintBench';
export const BENCH_TOKEN_ENDPOINT = 'https://mint-bench.auth.eu-central-1.amazoncognito.com/oauth2/token';
/** The most app clients a pool may be raised to (Cognito quotas page, "App clients per user pool"). */
export const COGNITO_APP_CLIENTS_MAX = 10_000;

/** Cognito's largest page for ListUsers and ListUserPoolClients; IAM's for GetAccountAuthorizationDetails. */
const COGNITO_PAGE = 60;
const IAM_PAGE = 1000;

/** The calls that list a store's users (and, in Cognito, its app clients), in an idle cycle as in any. */
export const LISTING_OPERATIONS: Record<StoreName, readonly string[]> = {
  iam: ['GetAccountAuthorizationDetails'],
  cognito: ['ListUsers', 'ListUserPoolClients'],
};

/** What one listing of `users` users costs: IAM ⌈N/1,000⌉; Cognito ⌈N/60⌉ users pages + ⌈N/60⌉ clients pages. */
export function expectedListingCalls(store: StoreName, users: number): number {
  if (store === 'iam') return Math.max(1, Math.ceil(users / IAM_PAGE));
  return 2 * Math.max(1, Math.ceil(users / COGNITO_PAGE));
}

const SDK_COMMANDS: Record<StoreName, object> = { iam: IAM, cognito: Cognito };
const IS_WRITE: Record<StoreName, (operation: string) => boolean> = {
  iam: isIamWrite,
  cognito: isCognitoWrite,
};

/** Whether an operation is one of the store's API (by the SDK's command of that name). */
export function isStoreOperation(store: StoreName, operation: string): boolean {
  return `${operation}Command` in SDK_COMMANDS[store];
}

/**
 * The store's writes among calls counted by operation: the operations of its API that Mint paces to
 * the store's write rate (`isIamWrite`, `isCognitoWrite`). Reads, STS, S3 and Cognito's token endpoint
 * (`OAuth2Token`, not an API operation) are not writes.
 */
export function storeWrites(store: StoreName, calls: Record<string, number>): number {
  let writes = 0;
  for (const [operation, count] of Object.entries(calls))
    if (isStoreOperation(store, operation) && IS_WRITE[store](operation)) writes += count;
  return writes;
}

/** Reconcile's states create users; RotateBatch's rotate them. */
const CREATION_STATES = [STATE.reconcile, STATE.reconcileMore, STATE.retryServiceUsers];
const ROTATION_STATES = [STATE.rotateBatch, STATE.retryBatch];

function sumStates(byState: Record<string, Record<string, number>>, states: readonly string[]) {
  const sum: Record<string, number> = {};
  for (const state of states)
    for (const [operation, count] of Object.entries(byState[state] ?? {}))
      sum[operation] = (sum[operation] ?? 0) + count;
  return sum;
}

const perApp = (calls: Record<string, number>, apps: number) =>
  Object.fromEntries(Object.entries(calls).map(([op, n]) => [op, n / apps]));

/** One store's costs at one size, from the cycles `measureSize` ran with it. */
export interface StoreMeasurement {
  store: StoreName;
  apps: number;
  /** Cognito: the app clients quota the in-memory pool was given (raised above the default 1,000 when needed). */
  clientsQuota?: number;
  idle: {
    status: CycleMeasurement['status'];
    transitions: number;
    awsCalls: number;
    /** The calls listing the store's users (and clients), and what the page sizes predict. */
    listingCalls: number;
    expectedListingCalls: number;
    callsByOperation: Record<string, number>;
    lambdaGbSeconds: number;
    wallMs: number;
  };
  /** The first cycle (all apps new), per app: creation in Reconcile, then each app's first rotation. */
  firstCycle: {
    status: CycleMeasurement['status'];
    awsCallsPerApp: number;
    callsByOperationPerApp: Record<string, number>;
    storeWritesPerApp: number;
    /** Store writes made by Reconcile's states, per app: creating the user (and its client). */
    creationWritesPerApp: number;
    /** Store writes made by the rotation batches, per app: the first rotation. */
    firstRotationWritesPerApp: number;
    transitions: number;
    lambdaGbSeconds: number;
    wallMs: number;
  };
  /** Per rotated app (as `SizeMeasurement.perRotatedApp`), with the store's writes among the calls. */
  perRotatedApp: PerAppCalls;
  /** Retiring each rotated app's previous secret once its grace period is over, per app (when measured). */
  perRetiredApp?: PerAppCalls;
}

export interface PerAppCalls {
  transitions: number;
  awsCalls: number;
  callsByOperation: Record<string, number>;
  storeWrites: number;
}

const perAppCalls = (store: StoreName, cost: PerAppCost): PerAppCalls => ({
  transitions: cost.transitions,
  awsCalls: cost.awsCalls,
  callsByOperation: cost.callsByOperation,
  storeWrites: storeWrites(store, cost.callsByOperation),
});

/** The store view of one size's measurement: pure, from what `measureSize` counted. */
export function storeMeasurement(
  store: StoreName,
  size: SizeMeasurement,
  clientsQuota?: number,
): StoreMeasurement {
  const { apps, idle, first, perRotatedApp } = size;
  const byState = first.callsByState ?? {};
  return {
    store,
    apps,
    ...(clientsQuota !== undefined ? { clientsQuota } : {}),
    idle: {
      status: idle.status,
      transitions: idle.transitions,
      awsCalls: idle.awsCalls,
      listingCalls: LISTING_OPERATIONS[store].reduce((n, op) => n + (idle.callsByOperation[op] ?? 0), 0),
      expectedListingCalls: expectedListingCalls(store, apps),
      callsByOperation: idle.callsByOperation,
      lambdaGbSeconds: idle.lambdaGbSeconds,
      wallMs: idle.wallMs,
    },
    firstCycle: {
      status: first.status,
      awsCallsPerApp: first.awsCalls / apps,
      callsByOperationPerApp: perApp(first.callsByOperation, apps),
      storeWritesPerApp: storeWrites(store, first.callsByOperation) / apps,
      creationWritesPerApp: storeWrites(store, sumStates(byState, CREATION_STATES)) / apps,
      firstRotationWritesPerApp: storeWrites(store, sumStates(byState, ROTATION_STATES)) / apps,
      transitions: first.transitions,
      lambdaGbSeconds: first.lambdaGbSeconds,
      wallMs: first.wallMs,
    },
    perRotatedApp: perAppCalls(store, perRotatedApp),
    ...(size.perRetiredApp ? { perRetiredApp: perAppCalls(store, size.perRetiredApp) } : {}),
  };
}

/** The app clients quota a pool needs for `apps` apps: Cognito's default, raised (up to its maximum) when that is too few. */
export function clientsQuotaFor(apps: number): number {
  if (apps <= COGNITO_APP_CLIENTS_QUOTA) return COGNITO_APP_CLIENTS_QUOTA;
  if (apps > COGNITO_APP_CLIENTS_MAX)
    throw new Error(`${apps} apps need more app clients than one pool may have (${COGNITO_APP_CLIENTS_MAX})`);
  return COGNITO_APP_CLIENTS_MAX;
}

/**
 * The `cdk.json` context that deploys the store: none for IAM (the default); for Cognito the stack's
 * Cognito functions on an existing pool (`mint:userPoolId`, `mint:tokenEndpoint`), which gives the
 * functions plain values where a pool the stack creates would give CloudFormation references.
 * `writesPerSecond` sets the store's write rate (`mint:iamWritesPerSecond` or `mint:cognitoWritesPerSecond`).
 */
export function storeContext(store: StoreName, writesPerSecond?: number): Record<string, unknown> {
  if (store === 'iam') return writesPerSecond ? { 'mint:iamWritesPerSecond': writesPerSecond } : {};
  return {
    'mint:identityStore': 'cognito',
    'mint:userPoolId': BENCH_USER_POOL_ID,
    'mint:tokenEndpoint': BENCH_TOKEN_ENDPOINT,
    ...(writesPerSecond ? { 'mint:cognitoWritesPerSecond': writesPerSecond } : {}),
  };
}

/**
 * Sets up the store in the in-memory AWS, and says how the functions reach it. IAM needs nothing.
 * Cognito: the pool `storeContext` names, as Mint's stack declares it, its app clients quota raised to
 * the maximum when `apps` exceed the default 1,000 (as an operator must request), and the token
 * endpoint answered by the in-memory AWS.
 */
export function prepareStore(
  store: StoreName,
  aws: FakeAws,
  apps: number,
): { fetch?: typeof fetch; clientsQuota?: number } {
  if (store === 'iam') return {};
  const pool = aws.cognitoPools.addPool(BENCH_USER_POOL_ID);
  pool.clientsQuota = clientsQuotaFor(apps);
  return { fetch: aws.tokenEndpointFetch, clientsQuota: pool.clientsQuota };
}

export interface StoreTarget {
  name: string;
  limit: number;
  worst: number;
  met: boolean;
}

/**
 * The idle-cycle and rotation targets the IAM store is held to, applied to the Cognito store; its idle
 * allowance is counted above its own listing (2 × ⌈users / 60⌉ calls). None without a Cognito measurement.
 */
export function storeTargets(measured: readonly StoreMeasurement[]): StoreTarget[] {
  const cognito = measured.filter((m) => m.store === 'cognito');
  if (cognito.length === 0) return [];
  const check = (name: string, limit: number, values: number[]): StoreTarget => {
    const worst = Math.max(...values);
    return { name, limit, worst, met: worst <= limit };
  };
  return [
    check(
      'idle cycle (Cognito): state transitions',
      20,
      cognito.map((m) => m.idle.transitions),
    ),
    check(
      'idle cycle (Cognito): AWS calls above 2 x ceil(users/60)',
      10,
      cognito.map((m) => m.idle.awsCalls - m.idle.expectedListingCalls),
    ),
    check(
      'rotated app (Cognito): state transitions',
      10,
      cognito.map((m) => m.perRotatedApp.transitions),
    ),
    check(
      'rotated app (Cognito): AWS calls',
      12,
      cognito.map((m) => m.perRotatedApp.awsCalls),
    ),
  ];
}
