import { parseRunInput } from '../../lambdas/core/run-input';

describe('parseRunInput', () => {
  it('treats {} and no input as a normal scheduled cycle', () => {
    const normal = { force: false, revokePrevious: false, dryRun: false };
    expect(parseRunInput({})).toEqual(normal);
    expect(parseRunInput(undefined)).toEqual(normal);
  });

  it('accepts the manual-run keys', () => {
    expect(parseRunInput({ apps: ['a-b'], force: true, revokePrevious: true })).toEqual({
      apps: ['a-b'],
      force: true,
      revokePrevious: true,
      dryRun: false,
    });
  });

  it('names the bad key and shows the expected shape', () => {
    expect(() => parseRunInput({ froce: true })).toThrow(/Unrecognized key.*froce.*Expected \{"apps"/s);
    expect(() => parseRunInput({ apps: ['Not An Id'] })).toThrow(/apps\.0: is not a Kio app id/);
    expect(() => parseRunInput({ force: 'yes' })).toThrow(/force/);
  });

  it('refuses an emergency revocation that does not name its apps', () => {
    expect(() => parseRunInput({ force: true, revokePrevious: true })).toThrow(/name the affected apps/);
  });
});
