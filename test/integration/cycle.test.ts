import { STATUS_KEY } from '../../lambdas/core/app-status';
import { TAG } from '../../lambdas/core/service-users';
import { takeInventory } from '../../local/inventory';
import { type LocalMint, startLocalMint } from '../../local/local-mint';
import { summarizeCycle } from '../../local/summary';
import { durableState, MotoChecks, userIn } from '../support/moto-checks';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const kioApp = (id: string, active = true) => ({ id, team_id: 'team-a', name: id, active });
const APPS = ['orders', 'payments', 'catalog', 'search', 'reviews'];

/** The real handlers, SDK clients and synthesized definition against a moto server on loopback. */
describe('a Mint cycle against moto', () => {
  let mint: LocalMint;
  let check: MotoChecks;
  const at = (offsetMs: number) => () => new Date(Date.now() + offsetMs);
  const inventory = () => takeInventory(mint.bucket, '/mint/');

  beforeAll(async () => {
    // Two apps per batch, so a cycle over five apps runs three Map iterations.
    mint = await startLocalMint({ context: { 'mint:batchSize': 2 }, env: { MINT_KIO_RETRIES: '1' } });
    check = new MotoChecks(mint.endpoint, mint.bucket);
  });
  afterAll(() => mint?.stop());
  beforeEach(async () => {
    await mint.reset();
    mint.kio?.setApps(APPS.map((id) => kioApp(id)));
  });

  it('creates each user with path, tag and boundary, and publishes four fields whose key authenticates', async () => {
    const run = await mint.cycle();
    expect(run.status).toBe('SUCCEEDED');
    expect(summarizeCycle(run)).toMatchObject({ users: { created: 5 }, rotated: 5, failures: [] });
    const { users } = await inventory();
    expect(users.map((u) => u.userName).sort()).toEqual([...APPS].sort());
    for (const appId of APPS) {
      const user = userIn({ users, objects: [] }, appId);
      expect(user).toMatchObject({ path: '/mint/', arn: expect.stringMatching(`:user/mint/${appId}$`) });
      expect(await check.boundaryOf(appId)).toBe(mint.boundaryArn);
      const doc = await check.published(appId);
      expect(Object.keys(doc ?? {}).sort()).toEqual([
        'application_password',
        'application_username',
        'client_id',
        'client_secret',
      ]);
      expect(doc?.application_username).toBe(appId);
      expect(user?.keys.map((k) => k.id)).toEqual([doc?.client_id]);
      expect(await check.callerOf(doc ?? {})).toBe(user?.arn);
    }
  });

  it('changes nothing when nothing is due', async () => {
    await mint.cycle();
    // The cycle after one that rotated records those rotations in _mint/status.json, and nothing else.
    const rotated = durableState(await inventory());
    expect((await mint.cycle({}, { now: at(HOUR / 2) })).status).toBe('SUCCEEDED');
    const before = durableState(await inventory());
    expect({ ...before, objects: before.objects.filter((o) => o.key !== STATUS_KEY) }).toEqual({
      ...rotated,
      objects: rotated.objects.filter((o) => o.key !== STATUS_KEY),
    });
    const run = await mint.cycle({}, { now: at(HOUR) });
    expect(run.status).toBe('SUCCEEDED');
    expect(summarizeCycle(run)).toMatchObject({ due: 0, rotated: 0, users: { created: 0, deleted: 0 } });
    expect(durableState(await inventory())).toEqual(before);
  });

  it('rotates after the interval with the previous key still active, and retires it after the grace period', async () => {
    await mint.cycle();
    const first = await check.published('orders');
    const rotation = await mint.cycle({}, { now: at(31 * DAY) });
    expect(summarizeCycle(rotation)).toMatchObject({ rotated: 5, failures: [] });
    const second = await check.published('orders');
    expect(second?.client_id).not.toBe(first?.client_id);
    // Booleans, so that a failure never prints a password.
    expect(second?.application_password === first?.application_password).toBe(false);
    let user = userIn(await inventory(), 'orders');
    expect(user?.keys).toEqual(
      expect.arrayContaining([
        { id: first?.client_id, status: 'Active' },
        { id: second?.client_id, status: 'Active' },
      ]),
    );
    expect(user?.tags[TAG.previousKeyId]).toBe(first?.client_id);
    expect(await check.callerOf(first ?? {})).toBe(user?.arn);
    expect(await check.callerOf(second ?? {})).toBe(user?.arn);

    const retirement = await mint.cycle({}, { now: at(31 * DAY + 25 * HOUR) });
    expect(summarizeCycle(retirement)).toMatchObject({ retired: 5, failures: [] });
    user = userIn(await inventory(), 'orders');
    expect(user?.keys).toEqual([{ id: second?.client_id, status: 'Active' }]);
    // The password was due again as well; the access key stays the one published at the rotation.
    expect((await check.published('orders'))?.client_id).toBe(second?.client_id);
  });

  it('deletes the user and every version under the prefix of an app deactivated in Kio', async () => {
    await mint.cycle();
    await mint.cycle({}, { now: at(2 * DAY) }); // a second version of the file
    mint.kio?.setApps(APPS.map((id) => kioApp(id, id !== 'reviews')));
    const run = await mint.cycle({}, { now: at(2 * DAY + HOUR) });
    expect(summarizeCycle(run)).toMatchObject({ users: { deleted: 1 }, failures: [] });
    const after = await inventory();
    expect(userIn(after, 'reviews')).toBeUndefined();
    expect(after.objects.filter((o) => o.key.startsWith('reviews/'))).toEqual([]);
    expect(await check.published('orders')).toBeDefined();
  });

  it.each([
    ['an outage', 503, '{"message":"unavailable"}'],
    ['an empty body', 200, ''],
  ])('deletes nothing when Kio answers with %s', async (_label, status, body) => {
    await mint.cycle();
    const before = durableState(await inventory());
    mint.kio?.respond(status, body);
    const run = await mint.cycle({}, { now: at(HOUR) });
    expect(run.status).toBe('FAILED');
    expect(durableState(await inventory())).toEqual(before);
  });

  it('reports an app whose id IAM or S3 would refuse, and serves the others', async () => {
    const tooLong = `a${'b'.repeat(64)}`;
    mint.kio?.setApps([kioApp('orders'), kioApp('Bad_Id'), kioApp(tooLong), kioApp('payments')]);
    const run = await mint.cycle();
    expect(run.status).toBe('SUCCEEDED');
    const summary = summarizeCycle(run);
    expect(summary.apps.invalid).toBe(2);
    expect(summary.invalidApps).toEqual([
      // Ids are printed quoted (escaped), so a crafted id cannot forge a line.
      expect.stringMatching(/^"Bad_Id": id must match/),
      expect.stringMatching(new RegExp(`^"${tooLong}": .*64`)),
    ]);
    expect((await inventory()).users.map((u) => u.userName).sort()).toEqual(['orders', 'payments']);
    expect(await check.published('orders')).toBeDefined();
    expect(await check.published('payments')).toBeDefined();
  });
});

describe('npm run local with a Kio token configured for deployment', () => {
  it('leaves the token out when it serves Kio from its stub', async () => {
    const mint = await startLocalMint({
      apps: [kioApp('orders')],
      context: { 'mint:kioTokenSecretName': 'mint/kio-token' },
    });
    try {
      expect(process.env.MINT_KIO_TOKEN_SECRET).toBeUndefined();
      expect((await mint.cycle()).status).toBe('SUCCEEDED');
    } finally {
      await mint.stop();
    }
  });
});
