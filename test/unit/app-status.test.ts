import { buildStatusDocument, sameAppStatuses } from '../../lambdas/core/app-status';
import { READERS_TAG } from '../../lambdas/core/owners';
import { failureTags, readMarks, TAG, toTagValue } from '../../lambdas/core/service-users';

const now = new Date('2026-11-28T12:00:00Z');
const user = (appId: string, tags: Record<string, string>) => ({
  appId,
  userName: `mint-${appId}`,
  tags: { [TAG.appId]: appId, ...tags },
});

describe('buildStatusDocument', () => {
  it('reads every app state from its user tags, failing apps included, sorted by app id', () => {
    const failing = user('payments', {
      [TAG.passwordRotatedAt]: '2026-11-28T10:00:00.000Z',
      ...failureTags(readMarks({ [TAG.failures]: '2' }), {
        at: '2026-11-28T11:55:00.000Z',
        step: 'set-password',
        error: 'ServiceFailure: IAM (us-east-1) is "down"',
      }),
    });
    const doc = buildStatusDocument({
      users: [
        failing,
        user('orders', {
          [READERS_TAG]: '222222222222 333333333333',
          [TAG.passwordRotatedAt]: '2026-11-28T11:00:00.000Z',
          [TAG.keyRotatedAt]: '2026-11-01T00:00:00.000Z',
        }),
        user('fresh', {}),
      ],
      failures: [],
      cycle: 'c1',
      now,
    });
    expect(doc.apps).toEqual([
      { appId: 'fresh', userName: 'mint-fresh', state: 'new', readers: [], consecutiveFailures: 0 },
      {
        appId: 'orders',
        userName: 'mint-orders',
        state: 'ok',
        passwordRotatedAt: '2026-11-28T11:00:00.000Z',
        keyRotatedAt: '2026-11-01T00:00:00.000Z',
        readers: ['222222222222', '333333333333'],
        consecutiveFailures: 0,
      },
      {
        appId: 'payments',
        userName: 'mint-payments',
        state: 'failing',
        passwordRotatedAt: '2026-11-28T10:00:00.000Z',
        readers: [],
        consecutiveFailures: 3,
        lastFailure: {
          at: '2026-11-28T11:55:00.000Z',
          step: 'set-password',
          error: 'ServiceFailure: IAM us-east-1 is down',
        },
      },
    ]);
  });

  it('shows an app whose user could not be created, with the step and the error', () => {
    const doc = buildStatusDocument({
      users: [],
      failures: [{ appId: 'stuck', step: 'create-user', error: 'LimitExceeded: quota' }],
      cycle: 'c1',
      now,
    });
    expect(doc.apps).toEqual([
      {
        appId: 'stuck',
        readers: [],
        state: 'failing',
        consecutiveFailures: 1,
        lastFailure: { at: now.toISOString(), step: 'create-user', error: 'LimitExceeded: quota' },
      },
    ]);
  });

  it('compares documents by what they say about apps, not by when they were written', () => {
    const input = { users: [user('a', {})], failures: [], cycle: 'c1', now };
    const first = buildStatusDocument(input);
    expect(sameAppStatuses(first, buildStatusDocument({ ...input, cycle: 'c2', now: new Date() }))).toBe(
      true,
    );
    expect(sameAppStatuses(first, buildStatusDocument({ ...input, users: [user('b', {})] }))).toBe(false);
    expect(sameAppStatuses(undefined, first)).toBe(false);
  });
});

describe('tag values', () => {
  it('keeps only characters IAM accepts in a tag value, at most 256 of them', () => {
    expect(toTagValue('AccessDenied: User (x) is "not" allowed; retry!')).toBe(
      'AccessDenied: User x is not allowed retry',
    );
    expect(toTagValue('x'.repeat(300))).toHaveLength(256);
  });
});
