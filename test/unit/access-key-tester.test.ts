import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { testAccessKey } from '../../lambdas/adapters/access-key-tester';
import { awsError } from '../../local/in-memory-aws/fake-aws';

describe('testAccessKey', () => {
  const sts = mockClient(STSClient);
  const key = { accessKeyId: 'AKIANEW', secretAccessKey: 'not-a-real-secret' };
  const arn = 'arn:aws:iam::111111111111:user/mint/orders';
  const sleeps: number[] = [];
  const options = {
    attempts: 4,
    firstDelayMs: 100,
    maxDelayMs: 150,
    sleep: async (ms: number) => void sleeps.push(ms),
  };
  beforeEach(() => {
    sts.reset();
    sleeps.length = 0;
  });
  afterAll(() => sts.restore());

  it('retries while IAM propagates the key, then accepts it', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejectsOnce(awsError('InvalidClientTokenId'))
      .rejectsOnce(awsError('SignatureDoesNotMatch'))
      .resolves({ Arn: arn });
    await expect(testAccessKey(key, arn, options)).resolves.toBeUndefined();
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(150);
  });

  it('gives up after the configured attempts, naming the key id and never the secret', async () => {
    sts.on(GetCallerIdentityCommand).rejects(awsError('InvalidClientTokenId'));
    const failure = testAccessKey(key, arn, options);
    await expect(failure).rejects.toThrow(
      /AKIANEW did not authenticate after 4 attempts \(last error InvalidClientTokenId\)/,
    );
    await expect(testAccessKey(key, arn, options)).rejects.not.toThrow(key.secretAccessKey);
  });

  it('retries STS throttling and server errors, which are not the fault of the key', async () => {
    const serverError = Object.assign(awsError('InternalFailure'), { $metadata: { httpStatusCode: 500 } });
    sts
      .on(GetCallerIdentityCommand)
      .rejectsOnce(awsError('Throttling'))
      .rejectsOnce(serverError)
      .resolves({ Arn: arn });
    await expect(testAccessKey(key, arn, options)).resolves.toBeUndefined();
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(3);
  });

  it('fails at once on an error that retrying cannot fix', async () => {
    sts.on(GetCallerIdentityCommand).rejects(awsError('ExpiredTokenException'));
    await expect(testAccessKey(key, arn, options)).rejects.toThrow(/ExpiredToken/);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it('fails at once when the key authenticates as someone else', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::111111111111:user/mint/other' });
    await expect(testAccessKey(key, arn, options)).rejects.toThrow(
      /authenticates as .*other, expected .*orders/,
    );
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });
});
