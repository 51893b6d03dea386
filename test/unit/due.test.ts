import { dueWork, isDue, planDueApps } from '../../lambdas/core/due';
import { readMarks, TAG } from '../../lambdas/core/service-users';

const H = 3_600_000;
const policy = { passwordMaxAgeMs: 24 * H, accessKeyMaxAgeMs: 30 * 24 * H, previousKeyGraceMs: 24 * H };
const now = new Date('2026-11-28T12:00:00Z');
const ago = (hours: number) => new Date(now.getTime() - hours * H).toISOString();
const normal = { force: false, revokePrevious: false };

describe('dueWork', () => {
  it('makes a user without rotation tags fully due', () => {
    expect(dueWork(readMarks({}), policy, now, normal)).toEqual({
      password: true,
      accessKey: true,
      retirePrevious: false,
      resume: false,
      retryFailed: false,
    });
  });

  it('is not due inside every interval', () => {
    const marks = readMarks({ [TAG.passwordRotatedAt]: ago(1), [TAG.keyRotatedAt]: ago(1) });
    expect(isDue(dueWork(marks, policy, now, normal))).toBe(false);
  });

  it('rotates the password after its interval and the key after its own', () => {
    const passwordOnly = dueWork(
      readMarks({ [TAG.passwordRotatedAt]: ago(24), [TAG.keyRotatedAt]: ago(25) }),
      policy,
      now,
      normal,
    );
    expect(passwordOnly).toMatchObject({ password: true, accessKey: false });
    const key = dueWork(
      readMarks({ [TAG.passwordRotatedAt]: ago(1), [TAG.keyRotatedAt]: ago(30 * 24) }),
      policy,
      now,
      normal,
    );
    expect(key).toMatchObject({ password: false, accessKey: true });
  });

  it('retires the previous key only after the grace period, or at once when revoking', () => {
    const tags = {
      [TAG.passwordRotatedAt]: ago(1),
      [TAG.keyRotatedAt]: ago(23),
      [TAG.previousKeyId]: 'AKIAOLD',
    };
    expect(dueWork(readMarks(tags), policy, now, normal).retirePrevious).toBe(false);
    expect(
      dueWork(readMarks({ ...tags, [TAG.keyRotatedAt]: ago(24) }), policy, now, normal).retirePrevious,
    ).toBe(true);
    expect(dueWork(readMarks(tags), policy, now, { force: true, revokePrevious: true }).retirePrevious).toBe(
      true,
    );
  });

  it('resumes an interrupted rotation regardless of intervals', () => {
    const marks = readMarks({
      [TAG.passwordRotatedAt]: ago(1),
      [TAG.keyRotatedAt]: ago(1),
      [TAG.rotationStartedAt]: ago(0.1),
    });
    expect(dueWork(marks, policy, now, normal).resume).toBe(true);
  });

  it('tries an app again after a failed attempt, even when nothing else is due', () => {
    const fresh = { [TAG.passwordRotatedAt]: ago(1), [TAG.keyRotatedAt]: ago(1) };
    expect(isDue(dueWork(readMarks(fresh), policy, now, normal))).toBe(false);
    const failed = readMarks({ ...fresh, [TAG.failures]: '2' });
    expect(dueWork(failed, policy, now, normal)).toMatchObject({ password: false, retryFailed: true });
    expect(isDue(dueWork(failed, policy, now, normal))).toBe(true);
    expect(dueWork(readMarks({ ...fresh, [TAG.failures]: '0' }), policy, now, normal).retryFailed).toBe(
      false,
    );
  });
});

describe('planDueApps', () => {
  const fresh = { [TAG.passwordRotatedAt]: ago(1), [TAG.keyRotatedAt]: ago(1) };
  const users = ['b', 'a', 'c'].map((id) => ({
    appId: id,
    userName: id,
    arn: `arn:${id}`,
    tags: id === 'c' ? {} : fresh,
  }));

  it('lists only due apps, sorted', () => {
    expect(planDueApps(users, policy, now, normal).map((a) => a.appId)).toEqual(['c']);
  });

  it('forces only the named apps', () => {
    expect(
      planDueApps(users, policy, now, { force: true, revokePrevious: false, onlyApps: ['a'] }).map(
        (a) => a.appId,
      ),
    ).toEqual(['a']);
  });
});
