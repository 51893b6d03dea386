import {
  InMemoryBucketStore,
  InMemoryCycleRegistry,
  InMemoryIdentityStore,
} from '../../lambdas/adapters/in-memory';
import { readFunctionSettings } from '../../lambdas/contracts/settings';
import { rotateBatchStep } from '../../lambdas/handlers/rotate-batch';

describe('RotateBatch', () => {
  const settings = readFunctionSettings('rotateBatch', {
    MINT_BUCKET: 'mint-secrets',
    MINT_USER_PATH: '/mint/',
    MINT_BOUNDARY_ARN: 'arn:aws:iam::111111111111:policy/b',
    MINT_IAM_WRITES_PER_SECOND: '10',
    MINT_MAP_CONCURRENCY: '8',
  });
  const cycle = {
    id: 'c',
    executionArn: 'arn:aws:states:eu-central-1:111111111111:execution:Mint:c',
    stateMachineArn: 'arn:aws:states:eu-central-1:111111111111:stateMachine:Mint',
    startedAt: new Date().toISOString(),
    options: { force: false, revokePrevious: false, dryRun: false },
  };

  it.each([
    [4, 2.5],
    [1, 10],
    [undefined, 1.25],
  ])(
    'paces its IAM writes to its share when %s batches run at once: %d per second',
    async (concurrency, share) => {
      const paced: number[] = [];
      const step = rotateBatchStep({
        settings,
        bucket: new InMemoryBucketStore(),
        identity: new InMemoryIdentityStore(),
        cycles: new InMemoryCycleRegistry(),
        testClientSecret: async () => {},
        testSignIn: async () => {},
        generatePassword: () => 'unused',
        now: () => new Date(),
        paceIdentityWrites: (rate) => paced.push(rate),
      });
      const batch = {
        key: '_mint/cycles/c/batches/0.json',
        size: 0,
        apps: [],
        ...(concurrency ? { concurrency } : {}),
      };
      await expect(step({ cycle, batch })).resolves.toEqual({ outcomes: [] });
      expect(paced).toEqual([share]);
    },
  );
});
