import { loadMintConfig } from '../../lib/config';

/** The identity store keys (`mint:identityStore` and the keys of each store), checked across each other. */

const EXISTING_POOL = 'eu-central-1_AbC123xyz';
const EXISTING_ENDPOINT = 'https://acme-auth.auth.eu-central-1.amazoncognito.com/oauth2/token';
const GROUP = 'mint-service-users';

describe('the identity store keys, checked across each other at synth', () => {
  const base = { 'mint:kioUrl': 'https://kio.example.com' };
  const cognito = { ...base, 'mint:identityStore': 'cognito' };

  it('needs mint:userPoolId and mint:tokenEndpoint together', () => {
    expect(() => loadMintConfig({ ...cognito, 'mint:userPoolId': EXISTING_POOL })).toThrow(
      /mint:userPoolId="eu-central-1_AbC123xyz": .*set mint:tokenEndpoint/,
    );
    expect(() => loadMintConfig({ ...cognito, 'mint:tokenEndpoint': EXISTING_ENDPOINT })).toThrow(
      /mint:tokenEndpoint=".*": .*set mint:userPoolId .*or remove mint:tokenEndpoint/,
    );
    expect(
      loadMintConfig({
        ...cognito,
        'mint:userPoolId': EXISTING_POOL,
        'mint:tokenEndpoint': EXISTING_ENDPOINT,
      }),
    ).toMatchObject({ identityStore: 'cognito', userPoolId: EXISTING_POOL });
  });

  it('takes each store’s keys only with that store, saying what to change', () => {
    expect(() => loadMintConfig({ ...cognito, 'mint:serviceUserGroup': GROUP })).toThrow(
      /mint:serviceUserGroup="mint-service-users": .*only with mint:identityStore=iam \(it is cognito\): remove mint:serviceUserGroup or set mint:identityStore=iam/,
    );
    expect(() =>
      loadMintConfig({ ...cognito, 'mint:permissionsBoundaryArn': 'arn:aws:iam::111111111111:policy/b' }),
    ).toThrow(/mint:permissionsBoundaryArn=.*only with mint:identityStore=iam/);
    for (const [key, value] of [
      ['userPoolId', EXISTING_POOL],
      ['tokenEndpoint', EXISTING_ENDPOINT],
      ['userPoolDomainPrefix', 'acme-mint'],
    ]) {
      expect(() => loadMintConfig({ ...base, [`mint:${key}`]: value })).toThrow(
        new RegExp(
          `mint:${key}=.*only with mint:identityStore=cognito \\(it is iam\\): remove mint:${key} or set mint:identityStore=cognito`,
        ),
      );
    }
    expect(() =>
      loadMintConfig({
        ...cognito,
        'mint:userPoolId': EXISTING_POOL,
        'mint:tokenEndpoint': EXISTING_ENDPOINT,
        'mint:userPoolDomainPrefix': 'acme-mint',
      }),
    ).toThrow(/mint:userPoolDomainPrefix="acme-mint": .*existing pool/);
  });

  it('refuses a domain prefix Cognito would refuse', () => {
    for (const prefix of [
      'Mint',
      '-mint',
      'mint-',
      'mint_auth',
      'a'.repeat(64),
      'my-aws-mint',
      'cognito-mint',
    ]) {
      expect(() => loadMintConfig({ ...cognito, 'mint:userPoolDomainPrefix': prefix })).toThrow(
        /mint:userPoolDomainPrefix=/,
      );
    }
    expect(
      loadMintConfig({ ...cognito, 'mint:userPoolDomainPrefix': 'acme-mint-1' }).userPoolDomainPrefix,
    ).toBe('acme-mint-1');
  });

  it('refuses scopes Cognito would refuse, and a scope listed twice', () => {
    expect(() => loadMintConfig({ ...cognito, 'mint:oauthScopes': 'mint/a"b' })).toThrow(
      /mint:oauthScopes=.*not a Cognito scope/,
    );
    expect(() => loadMintConfig({ ...cognito, 'mint:oauthScopes': 'mint/access mint/access' })).toThrow(
      /mint:oauthScopes=.*twice/,
    );
  });

  it("sizes batches by the chosen store's write rate", () => {
    // 200 apps × 4 writes at 95 % of 10/s shared by 8 batches: 674 s, too long for either store's rate.
    expect(() => loadMintConfig({ ...cognito, 'mint:batchSize': '200' })).toThrow(
      /needs about 674 s per batch at mint:cognitoWritesPerSecond 10 .*\(4 Cognito writes per app\).*raise mint:cognitoWritesPerSecond/,
    );
    // 100 apps fit Cognito's default rate and not IAM's.
    expect(() => loadMintConfig({ ...cognito, 'mint:batchSize': '100' })).not.toThrow();
    expect(() => loadMintConfig({ ...base, 'mint:batchSize': '100' })).toThrow(/mint:iamWritesPerSecond 5/);
  });
});
