import { type CycleMeasurement, costAboveIdle, type SizeMeasurement } from '../../bench/scenario';
import {
  clientsQuotaFor,
  expectedListingCalls,
  storeContext,
  storeMeasurement,
  storeTargets,
  storeWrites,
} from '../../bench/stores';

const cycle = (over: Partial<CycleMeasurement> = {}): CycleMeasurement => ({
  status: 'SUCCEEDED',
  transitions: 11,
  historyEvents: 38,
  awsCalls: 8,
  callsByOperation: { ListUsers: 2, ListUserPoolClients: 2, GetObject: 3, PutObject: 1 },
  largestPayloadBytes: 1000,
  wallMs: 100,
  rotated: 0,
  lambdaInvocations: 4,
  lambdaGbSeconds: 0.2,
  costUsd: 0.001,
  ...over,
});

describe('the identity store comparison', () => {
  it('expects one listing call per 1,000 IAM users, and two per 60 Cognito users (users and app clients)', () => {
    expect([1, 1000, 1001, 5000].map((n) => expectedListingCalls('iam', n))).toEqual([1, 1, 2, 5]);
    expect([1, 60, 61, 1000, 5000].map((n) => expectedListingCalls('cognito', n))).toEqual([
      2, 2, 4, 34, 168,
    ]);
  });

  it("counts only the store's own writes: not its reads, STS, S3 or the token endpoint", () => {
    const iamRotation = {
      ListAccessKeys: 1,
      CreateAccessKey: 1,
      GetCallerIdentity: 1,
      UpdateLoginProfile: 1,
      TagUser: 1,
      PutObject: 3,
      DeleteObject: 1,
      GetAccountPasswordPolicy: 0.1,
    };
    const cognitoRotation = {
      ListUserPoolClientSecrets: 1,
      DescribeUserPool: 0.1,
      AddUserPoolClientSecret: 1,
      OAuth2Token: 1,
      AdminSetUserPassword: 1,
      InitiateAuth: 1,
      AdminUpdateUserAttributes: 1,
      PutObject: 3,
      DeleteObject: 1,
    };
    expect(storeWrites('iam', iamRotation)).toBe(3);
    expect(storeWrites('cognito', cognitoRotation)).toBe(3);
    // The other store's operations are not this store's writes.
    expect(storeWrites('iam', cognitoRotation)).toBe(0);
    expect(
      storeWrites('cognito', { DeleteUserPoolClientSecret: 1, AdminDeleteUserAttributes: 1, TagUser: 1 }),
    ).toBe(2);
  });

  it('charges cycles above as many idle cycles, per app, keeping only operations above idle', () => {
    const idle = cycle();
    const due = cycle({
      transitions: 12,
      awsCalls: 40,
      callsByOperation: { ...idle.callsByOperation, AddUserPoolClientSecret: 2, PutObject: 31 },
      costUsd: 0.003,
    });
    const after = cycle({ awsCalls: 9, callsByOperation: { ...idle.callsByOperation, PutObject: 2 } });
    const cost = costAboveIdle([due, after], idle, 2);
    expect(cost.transitions).toBe(0.5);
    expect(cost.awsCalls).toBe(16.5);
    expect(cost.callsByOperation).toEqual({ AddUserPoolClientSecret: 1, PutObject: 15.5 });
    expect(cost.costUsd).toBeCloseTo(0.001, 12);
  });

  it("splits a first cycle's writes into creation (Reconcile's states) and the first rotation", () => {
    const apps = 100;
    const first = cycle({
      awsCalls: 1627,
      callsByOperation: {
        AdminCreateUser: 100,
        CreateUserPoolClient: 100,
        AdminUpdateUserAttributes: 200,
        AddUserPoolClientSecret: 100,
        ListUsers: 1,
      },
      callsByState: {
        ReconcileServiceUsers: {
          AdminCreateUser: 60,
          CreateUserPoolClient: 60,
          AdminUpdateUserAttributes: 60,
        },
        ReconcileMoreServiceUsers: {
          AdminCreateUser: 40,
          CreateUserPoolClient: 40,
          AdminUpdateUserAttributes: 40,
          ListUsers: 1,
        },
        RotateBatch: { AdminUpdateUserAttributes: 90, AddUserPoolClientSecret: 90 },
        RetryBatch: { AdminUpdateUserAttributes: 10, AddUserPoolClientSecret: 10 },
      },
    });
    const idle = cycle({ awsCalls: 11 });
    const size: SizeMeasurement = {
      apps,
      first,
      idle,
      tenPercentDue: idle,
      perRotatedApp: {
        transitions: 0.1,
        awsCalls: 11.2,
        callsByOperation: { AddUserPoolClientSecret: 1, AdminSetUserPassword: 1, InitiateAuth: 1 },
        costUsd: 0,
        wallMs: 1,
      },
    };
    const m = storeMeasurement('cognito', size, clientsQuotaFor(apps));
    expect(m.firstCycle.creationWritesPerApp).toBe(3);
    expect(m.firstCycle.firstRotationWritesPerApp).toBe(2);
    expect(m.firstCycle.storeWritesPerApp).toBe(5);
    expect(m.firstCycle.awsCallsPerApp).toBe(16.27);
    expect(m.idle).toMatchObject({ listingCalls: 4, expectedListingCalls: 4 });
    expect(m.perRotatedApp.storeWrites).toBe(2);
    expect(m.perRetiredApp).toBeUndefined();
    expect(m.clientsQuota).toBe(1000);
    expect(storeTargets([m]).map((t) => [t.name, t.worst, t.met])).toEqual([
      ['idle cycle (Cognito): state transitions', 11, true],
      ['idle cycle (Cognito): AWS calls above 2 x ceil(users/60)', 7, true],
      ['rotated app (Cognito): state transitions', 0.1, true],
      ['rotated app (Cognito): AWS calls', 11.2, true],
    ]);
    expect(storeTargets([{ ...m, store: 'iam' }])).toEqual([]);
  });

  it("deploys Cognito on the bench's pool, each store's write rate under its own key", () => {
    expect(storeContext('iam')).toEqual({});
    expect(storeContext('iam', 5)).toEqual({ 'mint:iamWritesPerSecond': 5 });
    expect(storeContext('cognito', 10)).toEqual({
      'mint:identityStore': 'cognito',
      'mint:userPoolId': 'eu-central-1_MintBench',
      'mint:tokenEndpoint': 'https://mint-bench.auth.eu-central-1.amazoncognito.com/oauth2/token',
      'mint:cognitoWritesPerSecond': 10,
    });
  });

  it("raises the pool's app clients quota above the default only when the apps need it", () => {
    expect([1, 1000, 1001, 5000, 10_000].map(clientsQuotaFor)).toEqual([1000, 1000, 10_000, 10_000, 10_000]);
    expect(() => clientsQuotaFor(10_001)).toThrow(/more app clients than one pool may have/);
  });
});
