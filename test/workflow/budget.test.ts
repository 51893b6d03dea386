import { measureSize } from '../../bench/scenario';
import type { Authorizer } from '../support/authorization/authorizer';
import { enforcingFakeAws, lambdaEnv, refusals } from '../support/workflow-harness';

/**
 * The cost targets of the design, kept true in CI with the benchmark's own measurement (counts, not
 * times): an idle cycle is O(1) transitions and O(users/1000) AWS calls; a rotated app adds a bounded
 * number of each; state stays small. `npm run bench` prints the full table for 10 to 5,000 apps.
 */
describe('what a cycle costs', () => {
  it.each([
    { apps: 10, rate: 0, account: 'an account that never refuses' },
    { apps: 1500, rate: 0, account: 'an account that never refuses' },
    // IAM refusing writes over 5 per second (virtual time; bench/account.ts), Mint paced to it.
    { apps: 1500, rate: 5, account: 'IAM refusing writes over 5 per second' },
  ])('stays within budget with $apps apps, $account', async ({ apps, rate }) => {
    // With the deployed policies enforced: what the budget counts must also be allowed.
    let authorizer: Authorizer | undefined;
    const names = lambdaEnv('');
    const m = await measureSize(apps, {
      bucket: names.MINT_BUCKET,
      boundaryArn: names.MINT_BOUNDARY_ARN,
      // Throttling only: the key test's attempts while a new key propagates are the benchmark's to count.
      ...(rate ? { iamWritesPerSecond: rate, keyPropagation: false } : {}),
      aws: (template, definition, options) => {
        const enforcing = enforcingFakeAws(template, definition, undefined, options);
        authorizer = enforcing.authorizer;
        return enforcing.aws;
      },
    });
    expect(authorizer && refusals(authorizer)).toEqual([]);
    expect([m.first.status, m.idle.status, m.tenPercentDue.status]).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    expect(m.first.rotated).toBe(apps);
    expect(m.tenPercentDue.rotated).toBe(Math.ceil(apps / 10));
    expect(m.idle.transitions).toBeLessThanOrEqual(20);
    expect(m.idle.awsCalls).toBeLessThanOrEqual(Math.ceil(apps / 1000) + 10);
    expect(m.idle.callsByOperation.GetAccountAuthorizationDetails).toBe(Math.ceil(apps / 1000));
    expect(m.perRotatedApp.transitions).toBeLessThanOrEqual(10);
    expect(m.perRotatedApp.awsCalls).toBeLessThanOrEqual(12);
    for (const cycle of [m.first, m.idle, m.tenPercentDue]) {
      expect(cycle.largestPayloadBytes).toBeLessThanOrEqual(64 * 1024);
      // Throttled, AWS refuses few calls: Mint paces its writes below the rate.
      if (rate) expect(cycle.throttledCalls).toBeLessThanOrEqual(cycle.awsCalls * 0.1);
    }
    if (rate) {
      // The writes were really paced: the first cycle's 4 IAM writes per app took at least writes ÷ rate.
      const writes = ['CreateUser', 'CreateAccessKey', 'CreateLoginProfile', 'TagUser']
        .map((op) => m.first.callsByOperation[op] ?? 0)
        .reduce((a, b) => a + b, 0);
      expect(writes).toBe(apps * 4);
      expect(m.first.simulatedMs).toBeGreaterThanOrEqual((writes / rate) * 1000);
    }
  });
});
