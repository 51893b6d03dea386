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

describe('each function’s settings', () => {
  const { template } = synthMint({ 'mint:kioTokenSecretName': 'mint/kio-token' });
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>;
  const environmentOf = (fn: keyof typeof LOGICAL_IDS) => {
    const found = Object.entries(functions).find(([id]) => id.includes(LOGICAL_IDS[fn]));
    if (!found) throw new Error(`no ${LOGICAL_IDS[fn]} in the template`);
    return found[1].Properties.Environment?.Variables ?? {};
  };

  it.each(MINT_FUNCTIONS)('%s gets exactly the Mint variables it reads', (fn) => {
    const mintVariables = Object.keys(environmentOf(fn)).filter((name) => name.startsWith('MINT_'));
    const reads: string[] = functionSettingNames(fn).map((name) => ENVIRONMENT_VARIABLES[name]);
    // Every variable it is given, it reads; what it reads and is not given has a default.
    expect(mintVariables.filter((name) => !reads.includes(name))).toEqual([]);
    const resolved = Object.fromEntries(
      Object.entries(environmentOf(fn)).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : 'arn:aws:resolved-at-deploy',
      ]),
    );
    expect(() => readFunctionSettings(fn, resolved)).not.toThrow();
  });

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
