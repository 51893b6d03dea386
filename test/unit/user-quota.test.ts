import {
  COGNITO_APP_CLIENTS_QUOTA,
  describeUserQuota,
  quotaNeedsLooking,
  userQuota,
} from '../../lambdas/core/user-quota';

describe("IAM's users-per-account quota (issue 13, case 10)", () => {
  it('is ok below 90 %, a warning from 90 % and full at the quota', () => {
    expect(userQuota(4499, 5000)).toMatchObject({ state: 'ok', percent: 89.9 });
    expect(userQuota(4500, 5000)).toMatchObject({ state: 'warning', percent: 90 });
    expect(userQuota(5000, 5000)).toMatchObject({ state: 'full', percent: 100 });
    expect(userQuota(5000, 10000)).toMatchObject({ state: 'ok' });
  });

  it('names the quota and what to do, and says nothing while far from it', () => {
    expect(describeUserQuota(userQuota(10, 5000))).toBeUndefined();
    expect(describeUserQuota(userQuota(5000, 5000))).toMatch(
      /^IAM users per account \(5,000\) reached: 5,000 of 5,000 users \(100 %\).*Remove unused IAM users.*quota increase/,
    );
  });

  it("looks up the account's real quota only near the default one", () => {
    expect(quotaNeedsLooking(4499)).toBe(false);
    expect(quotaNeedsLooking(4500)).toBe(true);
  });
});

describe('the Cognito store’s quota: app clients per user pool', () => {
  it('warns at 90 % of the pool’s default 1,000 clients, naming the quota and what to do', () => {
    const quota = userQuota(900, COGNITO_APP_CLIENTS_QUOTA, 'app clients per user pool');
    expect(quota).toMatchObject({ state: 'warning', resource: 'app clients per user pool' });
    expect(describeUserQuota(quota)).toBe(
      'Cognito app clients per user pool (1,000, mint:cognitoAppClientsQuota) nearly reached: 900 of 1,000 app clients (90 %); ' +
        'at the quota new apps get no client. Request a quota increase (Service Quotas, Amazon Cognito User Pools, ' +
        '"App clients per user pool", up to 10,000) and set mint:cognitoAppClientsQuota to it, or split the apps over two Mint stacks with a pool each.',
    );
    expect(
      describeUserQuota(userQuota(899, COGNITO_APP_CLIENTS_QUOTA, 'app clients per user pool')),
    ).toBeUndefined();
  });

  it('says Cognito refuses new clients once the pool is full', () => {
    expect(describeUserQuota(userQuota(1000, 1000, 'app clients per user pool'))).toMatch(
      /^Cognito app clients per user pool \(1,000, mint:cognitoAppClientsQuota\) reached: 1,000 of 1,000 app clients \(100 %\); Cognito refuses every new app's client\./,
    );
  });
});
