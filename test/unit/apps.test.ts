import { assertBelievable, parseKioApps } from '../../lambdas/core/apps';
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

  it('reports a duplicated id instead of serving it twice', () => {
    const parsed = parseKioApps(JSON.stringify([app('twin'), app('twin', { team_id: 'other' })]));
    expect(parsed.apps).toHaveLength(1);
    expect(parsed.apps[0]?.teamId).toBe('team');
    expect(parsed.invalid[0]?.reason).toContain('more than once');
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
