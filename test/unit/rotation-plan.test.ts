import type { DueWork } from '../../lambdas/core/due';
import { type PendingRotation, planRotation } from '../../lambdas/core/rotation-plan';

const due = (over: Partial<DueWork> = {}): DueWork => ({
  password: false,
  accessKey: false,
  retirePrevious: false,
  resume: false,
  retryFailed: false,
  ...over,
});
const pending = (keyId: string): PendingRotation => ({
  document: { application_username: 'a', application_password: 'p', client_id: keyId, client_secret: 's' },
  newPassword: true,
  newKey: true,
  previousKeyId: 'AKIACUR',
  revokeAfterPublish: [],
  stagedAt: '2026-11-28T00:00:00Z',
});

/** A user in the middle of an overlap: CUR is published, OLD is the previous key. */
const overlapping = (work: DueWork, revokePrevious = false) =>
  planRotation({
    keyIds: ['AKIACUR', 'AKIAOLD'],
    publishedKeyId: 'AKIACUR',
    previousKeyId: 'AKIAOLD',
    work,
    revokePrevious,
  });

describe('planRotation', () => {
  it('creates everything for a user that has never been published', () => {
    const plan = planRotation({
      keyIds: [],
      work: due({ password: true, accessKey: true }),
      revokePrevious: false,
    });
    expect(plan).toMatchObject({
      kind: 'act',
      newPassword: true,
      newKey: true,
      nextPreviousKeyId: '',
      deleteOrphans: [],
    });
  });

  it('keeps the published key as previous when rotating the key', () => {
    const plan = planRotation({
      keyIds: ['AKIACUR'],
      publishedKeyId: 'AKIACUR',
      work: due({ accessKey: true }),
      revokePrevious: false,
    });
    expect(plan).toMatchObject({
      kind: 'act',
      newKey: true,
      newPassword: false,
      nextPreviousKeyId: 'AKIACUR',
      retireAfterPublish: [],
    });
  });

  it('rotates only the password when only the password is due', () => {
    const plan = planRotation({
      keyIds: ['AKIACUR'],
      publishedKeyId: 'AKIACUR',
      work: due({ password: true }),
      revokePrevious: false,
    });
    expect(plan).toMatchObject({ kind: 'act', newPassword: true, newKey: false });
  });

  it('deletes keys that were never published nor staged (orphans)', () => {
    const plan = planRotation({
      keyIds: ['AKIACUR', 'AKIALOST'],
      publishedKeyId: 'AKIACUR',
      work: due({ password: true }),
      revokePrevious: false,
    });
    expect(plan.deleteOrphans).toEqual(['AKIALOST']);
  });

  it('resumes a staged rotation whose key exists instead of generating new secrets', () => {
    const staged = pending('AKIANEW');
    const plan = planRotation({
      keyIds: ['AKIACUR', 'AKIANEW'],
      publishedKeyId: 'AKIACUR',
      pending: staged,
      work: due({ resume: true }),
      revokePrevious: false,
    });
    expect(plan).toMatchObject({
      kind: 'act',
      resume: staged,
      newKey: false,
      deleteOrphans: [],
      nextPreviousKeyId: 'AKIACUR',
    });
  });

  it('discards a staged rotation whose key vanished and starts a fresh one', () => {
    const plan = planRotation({
      keyIds: ['AKIACUR'],
      publishedKeyId: 'AKIACUR',
      pending: pending('AKIAGONE'),
      work: due({ resume: true }),
      revokePrevious: false,
    });
    expect(plan).toMatchObject({ kind: 'act', discardPending: true, newPassword: true });
    expect(plan.kind === 'act' && plan.resume).toBeFalsy();
  });

  it('retires the previous key after its grace period without publishing anything', () => {
    const plan = overlapping(due({ retirePrevious: true }));
    expect(plan).toMatchObject({
      kind: 'act',
      newKey: false,
      newPassword: false,
      retireAfterPublish: ['AKIAOLD'],
      nextPreviousKeyId: '',
    });
  });

  it('refuses a third key while the previous one is in its grace period', () => {
    const plan = overlapping(due({ accessKey: true, password: true }));
    expect(plan.kind).toBe('blocked');
    expect(plan.kind === 'blocked' && plan.reason).toContain('revokePrevious');
  });

  it('on an emergency revocation frees the slot first and deletes the published key after publishing', () => {
    const plan = overlapping(due({ accessKey: true, password: true, retirePrevious: true }), true);
    expect(plan).toMatchObject({
      kind: 'act',
      retireBeforeCreate: 'AKIAOLD',
      retireAfterPublish: ['AKIACUR'],
      nextPreviousKeyId: '',
    });
  });
});

describe('planRotation for a store that keeps a client’s last secret (Cognito)', () => {
  it('keeps the only secret, an orphan, until the new one is published, then retires it', () => {
    const plan = planRotation({
      keyIds: ['client--1'],
      work: due({ password: true, accessKey: true }),
      revokePrevious: false,
      keepsOneSecret: true,
    });
    expect(plan).toMatchObject({
      kind: 'act',
      deleteOrphans: [],
      newKey: true,
      retireAfterPublish: ['client--1'],
      nextPreviousKeyId: '',
    });
    expect(plan).not.toHaveProperty('retireBeforeCreate');
  });

  it('deletes all but one of two orphans before creating, and the last after publishing', () => {
    const plan = planRotation({
      keyIds: ['client--1', 'client--2'],
      work: due({ accessKey: true }),
      revokePrevious: false,
      keepsOneSecret: true,
    });
    expect(plan).toMatchObject({
      deleteOrphans: ['client--1'],
      retireAfterPublish: ['client--2'],
      keptOrphan: 'client--2',
    });
  });

  it('deletes orphans at once when a published secret remains, as for IAM', () => {
    const plan = planRotation({
      keyIds: ['client--1', 'client--2'],
      publishedKeyId: 'client--2',
      work: due({ accessKey: true }),
      revokePrevious: false,
      keepsOneSecret: true,
    });
    expect(plan).toMatchObject({
      deleteOrphans: ['client--1'],
      retireAfterPublish: [],
      nextPreviousKeyId: 'client--2',
    });
  });

  it('resumes a stage by the secret id it recorded, not the shared client id', () => {
    const staged: PendingRotation = {
      ...pending('the-client'),
      keyId: 'the-client--2',
      previousKeyId: 'the-client--1',
    };
    const plan = planRotation({
      keyIds: ['the-client--1', 'the-client--2'],
      publishedKeyId: 'the-client--1',
      pending: staged,
      work: due(),
      revokePrevious: false,
      keepsOneSecret: true,
    });
    expect(plan).toMatchObject({
      kind: 'act',
      resume: staged,
      deleteOrphans: [],
      nextPreviousKeyId: 'the-client--1',
    });
  });
});

describe('planRotation when the published secret is not identified (Cognito, mark lost)', () => {
  it('lets the secret it kept back serve its grace period, since the app may be using it', () => {
    const plan = planRotation({
      keyIds: ['client--1'],
      work: due({ accessKey: true }),
      revokePrevious: false,
      keepsOneSecret: true,
      publishedUnidentified: true,
    });
    expect(plan).toMatchObject({
      deleteOrphans: [],
      newKey: true,
      retireAfterPublish: [],
      nextPreviousKeyId: 'client--1',
    });
  });

  it('revokes it at once in an emergency rotation', () => {
    const plan = planRotation({
      keyIds: ['client--1'],
      work: due({ accessKey: true }),
      revokePrevious: true,
      keepsOneSecret: true,
      publishedUnidentified: true,
    });
    expect(plan).toMatchObject({ retireAfterPublish: ['client--1'], nextPreviousKeyId: '' });
  });
});
