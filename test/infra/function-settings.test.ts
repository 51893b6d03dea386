import {
  ENVIRONMENT_VARIABLES,
  functionSettingNames,
  MINT_FUNCTIONS,
  readFunctionSettings,
} from '../../lambdas/contracts/settings';
import { ConfigError, loadMintConfig } from '../../lib/config';
import { synthMint } from '../../local/stack';

const LOGICAL_IDS = {
  startCycle: 'StartCycleFn',
  listApps: 'ListAppsFn',
  reconcile: 'ReconcileFn',
  rotateBatch: 'RotateBatchFn',
  report: 'ReportFn',
} as const;

type FunctionResource = { Properties: { Environment?: { Variables?: Record<string, unknown> } } };

type Functions = Record<string, FunctionResource>;

function environmentIn(functions: Functions, fn: keyof typeof LOGICAL_IDS) {
  const found = Object.entries(functions).find(([id]) => id.includes(LOGICAL_IDS[fn]));
  if (!found) throw new Error(`no ${LOGICAL_IDS[fn]} in the template`);
  return found[1].Properties.Environment?.Variables ?? {};
}

/** A reference CloudFormation resolves at deploy, replaced by a value of the right shape. */
const resolvedAtDeploy = (name: string) =>
  ({
    MINT_TOKEN_ENDPOINT: 'https://mint-0a1b2c3d4e5f.auth.eu-central-1.amazoncognito.com/oauth2/token',
    MINT_USER_POOL_ID: 'eu-central-1_AbC123xyz',
  })[name] ?? 'arn:aws:resolved-at-deploy';

describe.each([
  [
    'the IAM store',
    {
      'mint:kioTokenSecretName': 'mint/kio-token',
      'mint:serviceUserGroup': 'mint-users',
      'mint:permissionsBoundaryArn': 'arn:aws:iam::111111111111:policy/mint-apps-boundary',
    },
  ],
  ['the Cognito store', { 'mint:kioTokenSecretName': 'mint/kio-token', 'mint:identityStore': 'cognito' }],
])('each function’s settings with %s', (_store, context) => {
  const { template } = synthMint(context);
  const functions = template.findResources('AWS::Lambda::Function') as Functions;

  it.each(MINT_FUNCTIONS)('%s gets exactly the Mint variables it reads', (fn) => {
    const environment = environmentIn(functions, fn);
    const mintVariables = Object.keys(environment).filter((name) => name.startsWith('MINT_'));
    const reads: string[] = functionSettingNames(fn).map((name) => ENVIRONMENT_VARIABLES[name]);
    // Every variable it is given, it reads; what it reads and is not given has a default.
    expect(mintVariables.filter((name) => !reads.includes(name))).toEqual([]);
    const resolved = Object.fromEntries(
      Object.entries(environment).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : resolvedAtDeploy(name),
      ]),
    );
    expect(() => readFunctionSettings(fn, resolved)).not.toThrow();
  });
});

describe('each function’s settings', () => {
  const { template } = synthMint({ 'mint:kioTokenSecretName': 'mint/kio-token' });
  const functions = template.findResources('AWS::Lambda::Function') as Functions;
  const environmentOf = (fn: keyof typeof LOGICAL_IDS) => environmentIn(functions, fn);

  it('gives no function the settings of another: ListApps never learns the user path', () => {
    expect(Object.keys(environmentOf('listApps'))).not.toContain('MINT_USER_PATH');
    expect(Object.keys(environmentOf('startCycle')).filter((name) => name.startsWith('MINT_'))).toEqual([]);
    const settings = readFunctionSettings('listApps', {
      MINT_BUCKET: 'mint-secrets',
      MINT_KIO_URL: 'https://kio.example.com',
      MINT_USER_PATH: '/mint/',
    });
    expect(Object.keys(settings)).not.toContain('userPath');
  });

  it('names the bad variable and what to do', () => {
    expect(() =>
      readFunctionSettings('report', { MINT_BUCKET: 'mint-secrets', MINT_BATCH_SIZE: '0' }),
    ).toThrow(/report function environment is invalid \(MINT_BATCH_SIZE: .*\); redeploy the stack/);
  });

  it('refuses at synth a batch that could not finish inside its timeout at the IAM write rate', () => {
    const base = { 'mint:kioUrl': 'https://kio.example.com' };
    expect(() => loadMintConfig(base)).not.toThrow();
    expect(() => loadMintConfig({ ...base, 'mint:batchSize': '500' })).toThrow(
      /mint:batchSize="500": needs about 3369 s per batch at mint:iamWritesPerSecond 5 with mint:mapConcurrency 8 .*lower mint:batchSize or mint:mapConcurrency, or raise mint:iamWritesPerSecond/,
    );
    // At its default size, a batch is too slow for a rate this low: the default is named, not called missing.
    expect(() => loadMintConfig({ ...base, 'mint:iamWritesPerSecond': '0.5' })).toThrow(
      /mint:batchSize: needs about/,
    );
  });

  it('validates a setting the same way at synth and at run time (one schema)', () => {
    const base = { 'mint:kioUrl': 'https://kio.example.com' };
    for (const userPath of ['/', 'mint', '/mint//']) {
      expect(() => loadMintConfig({ ...base, 'mint:userPath': userPath })).toThrow(ConfigError);
      expect(() =>
        readFunctionSettings('reconcile', {
          MINT_BUCKET: 'mint-secrets',
          MINT_BOUNDARY_ARN: 'arn:aws:iam::111111111111:policy/b',
          MINT_USER_PATH: userPath,
        }),
      ).toThrow(/MINT_USER_PATH/);
    }
    expect(loadMintConfig({ ...base, 'mint:batchSize': '40' }).batchSize).toBe(40);
    expect(readFunctionSettings('report', { MINT_BUCKET: 'b-1', MINT_BATCH_SIZE: '40' }).batchSize).toBe(40);
  });
});
