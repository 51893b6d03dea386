import { credentialsKey, removedAppCredentialsKey } from '../../lambdas/core/credentials';
import { credentialsKey as agentCredentialsKey } from '../../packages/agent/src/document';

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

describe('the key the agent reads', () => {
  it.each([['orders'], ['a1'], ['billing-api']])('is the key Mint publishes for %j', (id) => {
    expect(agentCredentialsKey(id)).toBe(credentialsKey(id));
  });
});
