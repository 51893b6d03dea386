import { parseClock, parseDuration, parseLocalArgs, UsageError } from '../../local/options';

const HOUR = 3_600_000;
const noFile = () => {
  throw Object.assign(new Error('missing'), { code: 'ENOENT' });
};

describe('npm run local options', () => {
  it('defaults to one cycle of the built-in apps on the real clock', () => {
    expect(parseLocalArgs([], {})).toMatchObject({
      cycles: 1,
      clockOffsetMs: 0,
      advanceMs: [0],
      input: {},
      apps: undefined,
      kioUrl: undefined,
      endpoint: undefined,
      identityStore: 'iam',
      outDir: '.mint-local',
    });
  });

  it('takes the identity store, iam or cognito', () => {
    expect(parseLocalArgs(['--identity-store', 'cognito'], {}).identityStore).toBe('cognito');
    expect(parseLocalArgs(['--identity-store', 'iam'], {}).identityStore).toBe('iam');
  });

  it('reads cycles, clock, input, apps and the endpoint from flags and the environment', () => {
    const args = parseLocalArgs(
      [
        '--cycles',
        '3',
        '--now',
        '+25h',
        '--advance',
        '31d',
        '--input',
        '{"apps":["x"],"force":true}',
        '--apps',
        'a.json',
      ],
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' },
      () => '[{"id":"x","team_id":"t","name":"x","active":true}]',
    );
    expect(args).toMatchObject({
      cycles: 3,
      clockOffsetMs: 25 * HOUR,
      advanceMs: [31 * 24 * HOUR],
      input: { apps: ['x'], force: true },
      apps: [{ id: 'x' }],
      endpoint: 'http://127.0.0.1:5000',
    });
    expect(parseLocalArgs([], { KIO_URL: 'http://kio.local' }).kioUrl).toBe('http://kio.local');
  });

  it('takes a list of clock steps, for a rotation followed by a retirement', () => {
    expect(parseLocalArgs(['--advance', '31d,25h'], {}).advanceMs).toEqual([31 * 24 * HOUR, 25 * HOUR]);
  });

  it('takes an absolute --now as an offset from the real clock', () => {
    expect(parseClock('2027-01-01T00:00:00Z', Date.parse('2026-12-31T23:00:00Z'))).toBe(HOUR);
  });

  it.each([
    [['--cycles', '0'], /--cycles 0: expected a whole number/],
    [['--now', 'tomorrow'], /--now tomorrow: expected an ISO time/],
    [['--advance', '3 weeks'], /--advance 3 weeks: expected a duration such as 90s/],
    [['--input', '{apps'], /--input is not valid JSON/],
    [['--apps', 'missing.json'], /--apps missing.json: cannot read it \(ENOENT\)/],
    [['--colour'], /Unknown option '--colour'[\s\S]*Usage: npm run local/],
    [['--identity-store', 'ldap'], /^--identity-store ldap: expected iam or cognito$/],
    [['--identity-store', 'Cognito'], /^--identity-store Cognito: expected iam or cognito$/],
    [['--identity-store', ''], /^--identity-store : expected iam or cognito$/],
  ])('rejects %j with a message naming the flag', (argv, message) => {
    expect(() => parseLocalArgs(argv, {}, noFile)).toThrow(UsageError);
    expect(() => parseLocalArgs(argv, {}, noFile)).toThrow(message);
  });

  it('rejects an apps file that is not a JSON array', () => {
    expect(() => parseLocalArgs(['--apps', 'a.json'], {}, () => '{"id":"x"}')).toThrow(
      /--apps a.json: expected a JSON array of Kio apps/,
    );
    expect(() => parseLocalArgs(['--apps', 'a.json'], {}, () => '[{')).toThrow(
      /--apps a.json: not valid JSON/,
    );
  });

  it('takes an owner mapping file, and names the bad entry of an invalid one', () => {
    const mapping = { teams: { checkout: ['222222222222'] } };
    expect(parseLocalArgs(['--owners', 'o.json'], {}, () => JSON.stringify(mapping)).owners).toEqual(mapping);
    expect(() =>
      parseLocalArgs(['--owners', 'o.json'], {}, () => JSON.stringify({ teams: { checkout: ['42'] } })),
    ).toThrow(/--owners o.json: .*teams\.checkout\[0\]: "42" is not a 12-digit AWS account id/);
    expect(() => parseLocalArgs(['--owners', 'o.json'], {}, noFile)).toThrow(/--owners o.json: ENOENT/);
  });

  it('treats empty environment variables as unset', () => {
    expect(
      parseLocalArgs(['--apps', 'a.json'], { KIO_URL: '', AWS_ENDPOINT_URL: '' }, () => '[]'),
    ).toMatchObject({
      kioUrl: undefined,
      endpoint: undefined,
      apps: [],
    });
  });

  it('refuses --apps together with a real Kio', () => {
    expect(() => parseLocalArgs(['--apps', 'a.json'], { KIO_URL: 'http://kio' }, () => '[]')).toThrow(
      /cannot be combined with --kio-url/,
    );
  });

  it('parses durations in seconds, minutes, hours and days', () => {
    expect([
      parseDuration('90s', 'x'),
      parseDuration('15m', 'x'),
      parseDuration('1.5h', 'x'),
      parseDuration('2d', 'x'),
    ]).toEqual([90_000, 900_000, 1.5 * HOUR, 48 * HOUR]);
  });
});
