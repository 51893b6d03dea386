import { InMemoryBucketStore } from '../../lambdas/adapters/in-memory';
import { STATUS_KEY } from '../../lambdas/contracts/keys';
import { writeStatusIfChanged } from '../../lambdas/services/write-status';

describe('writeStatusIfChanged', () => {
  let bucket: InMemoryBucketStore;
  const doc = { schemaVersion: 1 as const, cycle: 'c1', generatedAt: '2026-11-29T00:00:00Z', apps: [] };
  beforeEach(() => {
    bucket = new InMemoryBucketStore();
  });

  it('replaces a damaged document', async () => {
    await bucket.putText(STATUS_KEY, '{not json');
    expect(await writeStatusIfChanged(bucket, doc)).toBe(true);
    expect(JSON.parse(bucket.text(STATUS_KEY) ?? '{}').cycle).toBe('c1');
  });

  it('writes nothing when no status changed: an idle cycle costs one read', async () => {
    await bucket.putJson(STATUS_KEY, doc);
    bucket.calls.length = 0;
    expect(await writeStatusIfChanged(bucket, { ...doc, cycle: 'c2' })).toBe(false);
    expect(bucket.calls).toEqual(['getJson']);
  });

  it('fails on a read S3 refuses, instead of taking it for a missing document', async () => {
    const refused = Object.assign(new Error('not authorized to perform: s3:GetObject'), {
      name: 'AccessDenied',
    });
    jest.spyOn(bucket, 'getJson').mockRejectedValueOnce(refused);
    await expect(writeStatusIfChanged(bucket, doc)).rejects.toThrow(/s3:GetObject/);
    expect(bucket.calls).not.toContain('putJson');
  });
});
