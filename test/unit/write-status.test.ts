import { S3Client } from '@aws-sdk/client-s3';
import { S3BucketStore } from '../../lambdas/adapters/bucket-store';
import { STATUS_KEY } from '../../lambdas/contracts/keys';
import { writeStatusIfChanged } from '../../lambdas/services/write-status';
import { awsError, FakeAws } from '../../local/in-memory-aws/fake-aws';

describe('writeStatusIfChanged', () => {
  let aws: FakeAws;
  const bucket = () => new S3BucketStore(new S3Client({}), 'mint-secrets');
  const doc = { schemaVersion: 1 as const, cycle: 'c1', generatedAt: '2026-11-29T00:00:00Z', apps: [] };
  beforeEach(() => {
    aws = new FakeAws();
  });
  afterEach(() => aws.restore());

  it('replaces a damaged document', async () => {
    aws.objects.set(STATUS_KEY, [{ body: '{not json', version: 1 }]);
    expect(await writeStatusIfChanged(bucket(), doc)).toBe(true);
    expect(JSON.parse(aws.object(STATUS_KEY) ?? '{}').cycle).toBe('c1');
  });

  it('fails on a read S3 refuses, instead of taking it for a missing document', async () => {
    aws.failNext('GetObject', awsError('AccessDenied', 'not authorized to perform: s3:GetObject'));
    await expect(writeStatusIfChanged(bucket(), doc)).rejects.toThrow(/s3:GetObject/);
    expect(aws.calls).not.toContain('PutObject');
  });
});
