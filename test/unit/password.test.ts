import { generatePassword, IAM_DEFAULT_PASSWORD_POLICY, satisfiesPolicy } from '../../lambdas/core/password';

describe('generatePassword', () => {
  const strict = {
    minimumLength: 40,
    requireSymbols: true,
    requireNumbers: true,
    requireUppercase: true,
    requireLowercase: true,
  };

  it('satisfies a strict account policy every time', () => {
    for (let i = 0; i < 500; i++) {
      const password = generatePassword(strict);
      expect(password).toHaveLength(40);
      expect(satisfiesPolicy(password, strict)).toBe(true);
    }
  });

  it("always has all four character classes, which IAM's default policy needs three of", () => {
    const everyClass = { ...strict, minimumLength: 8 };
    for (let i = 0; i < 500; i++) {
      const password = generatePassword(IAM_DEFAULT_PASSWORD_POLICY);
      expect(password).toHaveLength(32);
      expect(satisfiesPolicy(password, everyClass)).toBe(true);
    }
  });

  it("never emits quotes or backslashes, and caps at IAM's 128 characters", () => {
    const long = generatePassword({ ...strict, minimumLength: 500 });
    expect(long).toHaveLength(128);
    expect(long).not.toMatch(/["'\\`]/);
  });

  it('uses the random source for every character, so two passwords differ', () => {
    expect(generatePassword(strict)).not.toBe(generatePassword(strict));
  });
});

describe('generated passwords in a Cognito user pool', () => {
  // Cognito's password special characters (Cognito developer guide, user pool password policies).
  const COGNITO = /^[A-Za-z0-9^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]+$/;

  it('use only characters Cognito accepts and meet the pool policy Mint deploys', () => {
    const policy = {
      minimumLength: 32,
      requireSymbols: true,
      requireNumbers: true,
      requireUppercase: true,
      requireLowercase: true,
    };
    for (let i = 0; i < 200; i++) {
      const password = generatePassword(policy);
      expect(password).toMatch(COGNITO);
      expect(password.length).toBeGreaterThanOrEqual(32);
    }
  });
});
