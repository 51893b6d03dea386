import { measureSize } from '../../bench/scenario';
import type { Authorizer } from '../support/authorization/authorizer';
import { enforcingFakeAws, lambdaEnv, refusals } from '../support/workflow-harness';

/**
 * The cost targets of the design, kept true in CI with the benchmark's own measurement (counts, not
 * times): an idle cycle is O(1) transitions and O(users/1000) AWS calls; a rotated app adds a bounded
 * number of each; state stays small. `npm run bench` prints the full table for 10 to 5,000 apps.
 */
describe('what a cycle costs', () => {
  it.each([10, 1500])('stays within budget with %i apps', async (apps) => {
    // With the deployed policies enforced: what the budget counts must also be allowed.
    let authorizer: Authorizer | undefined;
    const names = lambdaEnv('');
    const m = await measureSize(apps, {
      bucket: names.MINT_BUCKET,
      boundaryArn: names.MINT_BOUNDARY_ARN,
      aws: (template, definition) => {
        const enforcing = enforcingFakeAws(template, definition);
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
    }
  });
});
