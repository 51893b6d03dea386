import { describeUserQuota, quotaNeedsLooking, userQuota } from '../../lambdas/core/user-quota';

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
