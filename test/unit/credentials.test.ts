import { appPrefix, credentialsKey } from '../../lambdas/core/credentials';

describe('appPrefix', () => {
  it("is the app's folder for an app id", () => {
    expect(appPrefix('orders')).toBe('orders/');
    expect(credentialsKey('orders').startsWith(appPrefix('orders'))).toBe(true);
  });

  it.each([['_mint'], ['_mint/pending'], [''], ['PierOne'], ['../orders'], ['x'.repeat(65)]])(
    'refuses %j, so no deletion can reach _mint/ or the whole bucket',
    (id) => {
      expect(() => appPrefix(id)).toThrow(/refusing to use .* as an app's prefix/);
    },
  );
});
