import { credentialsKey, removedAppCredentialsKey } from '../../lambdas/core/credentials';

describe('removedAppCredentialsKey', () => {
  it("is the app's credentials.json for an app id", () => {
    expect(removedAppCredentialsKey('orders')).toBe(credentialsKey('orders'));
  });

  it.each([['_mint'], ['_mint/pending'], [''], ['PierOne'], ['../orders'], ['x'.repeat(65)]])(
    'refuses %j, so no deletion can reach _mint/ or another object',
    (id) => {
      expect(() => removedAppCredentialsKey(id)).toThrow(/refusing to delete the credentials of/);
    },
  );
});
