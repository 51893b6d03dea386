import * as S3 from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { readCycleReport } from '../../cli/cycles';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { cycleKeys, MINT_PREFIX } from '../../lambdas/contracts/keys';
import { credentialsKey } from '../../lambdas/core/credentials';
import { TAG } from '../../lambdas/core/service-users';
import { lambdaEnv, runCycle, workflowTier } from '../support/workflow-harness';

/**
 * Issue 13, cases 1, 2 and 12: Kio is not trusted blindly (deletion needs positive evidence), a tag read
 * back from IAM is validated before anything acts on it, and the cycle report records what happened to
 * service users.
 */
const kioApp = (id: string, active = true) => ({ id, team_id: 'team-a', name: id, active });

interface RecordedNames {
  count: number;
  names: string[];
  truncated: boolean;
}
interface Report {
  invalidApps: { ref: string; reason: string }[];
  invalidAppCount: number;
  invalidAppsTruncated: boolean;
  users: Record<'created' | 'deleted' | 'repaired' | 'held' | 'unmanaged', RecordedNames>;
}

describe('Kio evidence, tag validation and user records, in the synthesized cycle', () => {
  const tier = workflowTier();
  const { definition } = tier;

  const report = (cycle: string): Report => JSON.parse(tier.aws.object(cycleKeys.report(cycle)) ?? 'null');
  /** Everything the bucket holds for an app: its user's keys and every version of its credentials. */
  const holdings = (appId: string) => ({
    user: tier.aws.users.has(appId),
    keys: tier.aws.users.get(appId)?.keys.map((k) => k.id),
    versions: tier.aws.objects.get(credentialsKey(appId))?.map((v) => v.version),
  });
  const deletedKeys = () => [
    ...tier.aws.s3
      .commandCalls(S3.DeleteObjectsCommand)
      .flatMap((c) => (c.args[0].input.Delete?.Objects ?? []).map((o) => String(o.Key))),
    ...tier.aws.s3.commandCalls(S3.DeleteObjectCommand).map((c) => String(c.args[0].input.Key)),
  ];

  it.each([
    ['an empty team_id', { team_id: '' }],
    ['"active": "true"', { active: 'true' }],
    ['"name": null', { name: null }],
  ])(
    'keeps the user and credentials of an app Kio lists with %s, and reports it invalid',
    async (_label, damage) => {
      tier.kio.setApps([kioApp('orders'), kioApp('pierone')]);
      await runCycle(definition);
      const before = holdings('pierone');
      expect(before.versions).toHaveLength(1);

      tier.kio.setApps([kioApp('orders'), { ...kioApp('pierone'), ...damage }]);
      tier.aws.calls = [];
      const run = await runCycle(definition, {}, { name: 'damaged' });
      expect(run.status).toBe('SUCCEEDED');
      expect(holdings('pierone')).toEqual(before);
      expect(tier.aws.calls).not.toContain('DeleteUser');
      expect(deletedKeys().filter((key) => key.startsWith('pierone/'))).toEqual([]);
      const recorded = report('damaged');
      expect(recorded.invalidApps).toEqual([{ ref: 'pierone', reason: expect.stringContaining('kept') }]);
      expect(recorded.invalidAppCount).toBe(1);
      expect(recorded.users.held).toEqual({ count: 1, names: ['pierone'], truncated: false });
      expect(recorded.users.deleted).toEqual({ count: 0, names: [], truncated: false });
    },
  );

  it('fails with Mint.KioUnusable and deletes nothing when no entry carries an id (id renamed app_id)', async () => {
    tier.kio.setApps([kioApp('orders'), kioApp('pierone')]);
    await runCycle(definition);
    const before = [holdings('orders'), holdings('pierone')];

    tier.kio.setApps(
      ['orders', 'pierone'].map((id) => {
        const { id: _id, ...rest } = kioApp(id);
        return { app_id: id, ...rest };
      }),
    );
    tier.aws.calls = [];
    const run = await runCycle(definition);
    expect(run.status).toBe('FAILED');
    const failed = run.events.find((e) => e.type === 'ExecutionFailed') as { Error?: string; Cause?: string };
    expect(failed.Error).toBe('Mint.KioUnusable');
    expect(failed.Cause).toMatch(/none carries an id, while 2 service users exist/);
    expect([holdings('orders'), holdings('pierone')]).toEqual(before);
    expect(tier.aws.calls.filter((c) => ['DeleteUser', 'DeleteObjects', 'DeleteObject'].includes(c))).toEqual(
      [],
    );
  });

  it.each([
    ['its id renamed app_id', (app: Record<string, unknown>) => ({ ...app, id: undefined, app_id: app.id })],
    ['its id upper-cased', (app: Record<string, unknown>) => ({ ...app, id: String(app.id).toUpperCase() })],
  ])("keeps the user of an app whose entry has %s: that entry could be anyone's", async (_label, damage) => {
    tier.kio.setApps([kioApp('orders'), kioApp('pierone')]);
    await runCycle(definition);
    const before = holdings('pierone');

    tier.kio.setApps([kioApp('orders'), damage(kioApp('pierone'))]);
    tier.aws.calls = [];
    const run = await runCycle(definition, {}, { name: 'unidentified' });
    expect(run.status).toBe('SUCCEEDED');
    expect(holdings('pierone')).toEqual(before);
    expect(tier.aws.calls).not.toContain('DeleteUser');
    expect(report('unidentified').users.held).toEqual({ count: 1, names: ['pierone'], truncated: false });
  });

  it('keeps the user of an id Kio lists inactive first and active later', async () => {
    tier.kio.setApps([kioApp('orders'), kioApp('pierone')]);
    await runCycle(definition);
    const before = holdings('pierone');

    tier.kio.setApps([kioApp('orders'), kioApp('pierone', false), kioApp('pierone', true)]);
    const run = await runCycle(definition, {}, { name: 'twice' });
    expect(run.status).toBe('SUCCEEDED');
    expect(holdings('pierone')).toEqual(before);
    expect(report('twice').invalidApps).toEqual([
      { ref: 'pierone', reason: expect.stringContaining('more than once') },
    ]);
  });

  it('still deletes an app Kio lists as inactive and one it no longer lists, next to a held one', async () => {
    tier.kio.setApps([kioApp('orders'), kioApp('pierone'), kioApp('retired'), kioApp('vanished')]);
    await runCycle(definition);
    const pierone = holdings('pierone');

    tier.kio.setApps([kioApp('orders'), kioApp('retired', false), { ...kioApp('pierone'), team_id: '' }]);
    const run = await runCycle(definition, {}, { name: 'evidence' });
    expect(run.status).toBe('SUCCEEDED');
    for (const gone of ['retired', 'vanished']) {
      expect(holdings(gone)).toEqual({ user: false, keys: undefined, versions: undefined });
    }
    expect(holdings('pierone')).toEqual(pierone);
    expect(tier.aws.users.has('orders')).toBe(true);
    expect(report('evidence').users.deleted).toEqual({
      count: 2,
      names: ['retired', 'vanished'],
      truncated: false,
    });
  });

  it('never acts on a user tagged mint:app-id=_mint: nothing under _mint/ is deleted, it is reported unmanaged', async () => {
    tier.kio.setApps([kioApp('orders')]);
    await runCycle(definition, {}, { name: 'first' });
    const mintState = [...tier.aws.objects.keys()].filter((key) => key.startsWith(MINT_PREFIX)).sort();
    expect(mintState).toEqual(expect.arrayContaining([cycleKeys.report('first'), '_mint/status.json']));
    tier.aws.addUser('intruder', { [TAG.appId]: '_mint' }, '/mint/', lambdaEnv('').MINT_BOUNDARY_ARN);
    tier.aws.s3.resetHistory();
    tier.aws.calls = [];

    // Without marks the user would be due at once, were it Mint's.
    const run = await runCycle(definition, {}, { name: 'tagged' });
    expect(run.status).toBe('SUCCEEDED');
    for (const key of mintState) expect(tier.aws.object(key)).toBeDefined();
    expect(deletedKeys().filter((key) => key.startsWith(MINT_PREFIX))).toEqual([]);
    const listed = tier.aws.s3.commandCalls(S3.ListObjectVersionsCommand).map((c) => c.args[0].input.Prefix);
    expect(listed).toEqual([]);
    // Not deleted, not rotated, not retagged: the user is exactly as it was.
    expect(tier.aws.users.get('intruder')).toMatchObject({ keys: [], tags: { [TAG.appId]: '_mint' } });
    expect(tier.aws.users.get('intruder')?.password).toBeUndefined();
    expect(report('tagged').users.unmanaged).toEqual({ count: 1, names: ['intruder'], truncated: false });
    expect(tier.aws.users.has('orders')).toBe(true);
  });

  it('records users created, deleted and repaired in report.json: counts always, at most 20 names', async () => {
    const many = Array.from({ length: 22 }, (_, i) => `app-${String(i).padStart(2, '0')}`);
    tier.kio.setApps(many.map((id) => kioApp(id)));
    const first = await runCycle(definition, {}, { name: 'created' });
    expect(first.status).toBe('SUCCEEDED');
    expect(report('created').users).toEqual({
      created: { count: 22, names: many.slice(0, 20), truncated: true },
      deleted: { count: 0, names: [], truncated: false },
      repaired: { count: 0, names: [], truncated: false },
      held: { count: 0, names: [], truncated: false },
      unmanaged: { count: 0, names: [], truncated: false },
    });

    const drifted = tier.aws.users.get('app-00');
    if (drifted) drifted.boundary = undefined;
    tier.kio.setApps([...many.slice(0, 20).map((id) => kioApp(id)), kioApp('app-20', false)]);
    const second = await runCycle(definition, {}, { name: 'changed' });
    expect(second.status).toBe('SUCCEEDED');
    expect(report('changed').users).toMatchObject({
      created: { count: 0, names: [], truncated: false },
      deleted: { count: 2, names: ['app-20', 'app-21'], truncated: false },
      repaired: { count: 1, names: ['app-00'], truncated: false },
    });
    // What `mint status` reads from it.
    const read = await readCycleReport(new S3BucketStore(new S3Client({}), 'mint-secrets'), 'created');
    expect(read?.records).toEqual({ invalidApps: 0, users: report('created').users });
  });
});
