import { assertBelievable, parsedAppsSchema, parseKioApps } from '../../lambdas/core/apps';
import { KioUnusableError } from '../../lambdas/core/errors';

const app = (id: unknown, extra: Record<string, unknown> = {}) => ({
  id,
  team_id: 'team',
  name: 'App',
  active: true,
  ...extra,
});

describe('parseKioApps', () => {
  it('keeps valid apps and reports each invalid one with the field at fault', () => {
    const body = JSON.stringify([
      app('good-app'),
      app('Bad_Id'),
      { id: 'no-team', name: 'x', active: true },
      app('x'.repeat(65)),
      app('inactive-app', { active: false }),
      app('no-active-flag', { active: undefined }),
    ]);
    const parsed = parseKioApps(body);
    expect(parsed.apps.map((a) => [a.id, a.active])).toEqual([
      ['good-app', true],
      ['inactive-app', false],
      ['no-active-flag', false],
    ]);
    expect(parsed.invalid.map((i) => i.ref)).toEqual(['Bad_Id', 'no-team', 'x'.repeat(65)]);
    expect(parsed.invalid[0]?.reason).toContain('id must match');
    expect(parsed.invalid[1]?.reason).toContain('team_id');
    expect(parsed.invalid[2]?.reason).toContain('IAM user name limit');
  });

  it('reports a duplicated id and holds it: neither served nor deleted', () => {
    const parsed = parseKioApps(
      JSON.stringify([app('twin'), app('twin', { team_id: 'other' }), app('single')]),
    );
    expect(parsed.apps.map((a) => a.id)).toEqual(['single']);
    expect(parsed.held).toEqual(['twin']);
    expect(parsed.invalid).toEqual([{ ref: 'twin', reason: expect.stringContaining('more than once') }]);
  });

  it('holds an id listed inactive first and active later, whichever way round', () => {
    for (const entries of [
      [app('pierone', { active: false }), app('pierone')],
      [app('pierone'), app('pierone', { active: false })],
    ]) {
      const parsed = parseKioApps(JSON.stringify(entries));
      expect(parsed.apps).toEqual([]);
      expect(parsed.held).toEqual(['pierone']);
      expect(parsed.invalid.map((i) => i.ref)).toEqual(['pierone']);
    }
  });

  it.each([
    ['an empty team_id', { team_id: '' }, 'team_id'],
    ['active as a string', { active: 'true' }, 'active'],
    ['a null name', { name: null }, 'name'],
  ])('holds a damaged entry with %s: reported invalid, its id kept as evidence', (_label, damage, field) => {
    const parsed = parseKioApps(JSON.stringify([app('orders'), app('pierone', damage)]));
    expect(parsed.apps.map((a) => a.id)).toEqual(['orders']);
    expect(parsed.held).toEqual(['pierone']);
    expect(parsed.invalid).toEqual([{ ref: 'pierone', reason: expect.stringContaining(field) }]);
    expect(parsed.invalid[0]?.reason).toContain('kept');
    expect(parsed.readable).toBe(2);
  });

  it('holds a valid entry whose id a later damaged entry repeats', () => {
    const parsed = parseKioApps(JSON.stringify([app('pierone'), app('pierone', { team_id: '' })]));
    expect(parsed.apps).toEqual([]);
    expect(parsed.held).toEqual(['pierone']);
  });

  it('counts an id that is not an app id as readable, but holds nothing with it', () => {
    const parsed = parseKioApps(
      JSON.stringify([app('PierOne'), app('x'.repeat(65)), app('_mint'), app(''), app(7), null, 'pierone']),
    );
    expect(parsed.held).toEqual([]);
    expect(parsed.readable).toBe(3);
    // ...but every one of them could be any app's entry: no unmentioned app's user goes this cycle.
    expect(parsed.unidentified).toBe(7);
    expect(parsed.invalid.map((i) => i.ref)).toEqual([
      'PierOne',
      'x'.repeat(65),
      '_mint',
      '#3',
      '#4',
      '#5',
      '#6',
    ]);
  });

  it('finds no readable entry when Kio renamed id, and refuses that answer while users exist', () => {
    const body = JSON.stringify([
      { app_id: 'orders', team_id: 'team', name: 'Orders', active: true },
      { app_id: 'pierone', team_id: 'team', name: 'Pier One', active: true },
    ]);
    const parsed = parseKioApps(body);
    expect(parsed).toMatchObject({ apps: [], held: [], readable: 0, empty: false });
    expect(parsed.invalid.map((i) => i.ref)).toEqual(['#0', '#1']);
    expect(() => assertBelievable(parsed, 0)).not.toThrow();
    expect(() => assertBelievable(parsed, 2)).toThrow(KioUnusableError);
    expect(() => assertBelievable(parsed, 2)).toThrow(/none carries an id, while 2 service users exist/);
    // One readable entry makes the answer usable: the positive-evidence rule protects the rest.
    const one = parseKioApps(JSON.stringify([app('orders'), { app_id: 'pierone', team_id: 't', name: 'p' }]));
    expect(() => assertBelievable(one, 2)).not.toThrow();
  });

  it('round-trips through the snapshot schema Reconcile reads it with, and rejects an unusable snapshot', () => {
    const parsed = parseKioApps(JSON.stringify([app('orders'), app('pierone', { name: null })]));
    expect(parsedAppsSchema.parse(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
    const { held: _held, ...withoutHeld } = parsed;
    expect(parsedAppsSchema.safeParse(withoutHeld).success).toBe(false);
    expect(
      parsedAppsSchema.safeParse({ ...parsed, apps: [{ id: '_mint', teamId: 't', name: 'n', active: true }] })
        .success,
    ).toBe(false);
  });

  it.each([
    ['not JSON', '<html>oops</html>', 'not JSON'],
    ['a truncated list', '[{"id":"a","team_id":"t","name":"n"', 'not JSON'],
    ['an object', '{"apps": []}', 'type object'],
    ['null', 'null', 'type null'],
  ])('refuses %s', (_label, body, message) => {
    expect(() => parseKioApps(body)).toThrow(KioUnusableError);
    expect(() => parseKioApps(body)).toThrow(message);
  });

  it('treats an empty body or list as empty, believable only without users', () => {
    for (const body of ['', '   ', '[]']) {
      const parsed = parseKioApps(body);
      expect(parsed.empty).toBe(true);
      expect(() => assertBelievable(parsed, 0)).not.toThrow();
      expect(() => assertBelievable(parsed, 3)).toThrow(/no apps while 3 service users exist/);
    }
  });
});
