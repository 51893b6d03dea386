import { InMemoryBucketStore } from '../../lambdas/adapters/in-memory';
import type { DueApp, ReconcileOutput } from '../../lambdas/contracts/steps';
import { mergeReconcileOutputs } from '../../lambdas/core/cycle-report';
import { writeBatches } from '../../lambdas/services/batches';

const apps = (n: number): DueApp[] =>
  Array.from({ length: n }, (_, i) => ({ appId: `a${i}`, userName: `a${i}`, userArn: `arn:${i}`, tags: {} }));

describe('writeBatches', () => {
  const keyOf = (i: number) => `_mint/cycles/c/batches/${i}.json`;

  it.each([
    // apps, batch size, map concurrency → batch sizes, batches running at once
    [10, 25, 8, [10], 1],
    [30, 25, 8, [15, 15], 2],
    [100, 25, 8, [25, 25, 25, 25], 4],
    [5, 2, 8, [2, 2, 1], 3],
    [500, 25, 8, [...Array(20).fill(21), ...Array(4).fill(20)], 8],
    [5000, 25, 8, Array(200).fill(25), 8],
    [210, 25, 8, [...Array(2).fill(14), ...Array(14).fill(13)], 8],
  ])(
    'splits %i apps (size %i, %i at once) so each round of the Map is full',
    async (n, size, mapConcurrency, sizes, concurrency) => {
      const bucket = new InMemoryBucketStore();
      const inline = n <= size;
      const batches = await writeBatches(bucket, apps(n), { size, mapConcurrency, keyOf, inline });
      expect(batches.map((b) => b.size)).toEqual(sizes);
      // Every app once, in order.
      const all = batches.flatMap((b) => b.apps ?? JSON.parse(bucket.text(b.key) ?? '[]'));
      expect(all.map((a: DueApp) => a.appId)).toEqual(apps(n).map((a) => a.appId));
      // Each batch knows how many run beside it: its share of the IAM write rate.
      expect(batches.map((b) => b.concurrency)).toEqual(sizes.map(() => concurrency));
    },
  );

  it('writes files, not inline, when the apps do not fit one batch even if inline is allowed', async () => {
    const bucket = new InMemoryBucketStore();
    const batches = await writeBatches(bucket, apps(30), {
      size: 25,
      mapConcurrency: 8,
      keyOf,
      inline: true,
    });
    expect(batches.map((b) => [b.apps, b.concurrency])).toEqual([
      [undefined, 2],
      [undefined, 2],
    ]);
  });

  it('writes nothing for no apps', async () => {
    const bucket = new InMemoryBucketStore();
    expect(await writeBatches(bucket, [], { size: 25, mapConcurrency: 8, keyOf })).toEqual([]);
  });
});

describe('mergeReconcileOutputs', () => {
  const output = (created: string[], failures: string[], more: boolean): ReconcileOutput => ({
    batches: [],
    due: 0,
    created,
    createdCount: created.length,
    deleted: [],
    deletedCount: 0,
    repaired: [],
    repairedCount: 0,
    toCreate: 7,
    toDelete: 0,
    unmanagedUsers: [],
    unmanagedCount: 0,
    heldUsers: [],
    heldCount: 0,
    failureCount: failures.length,
    failures: failures.map((appId) => ({ appId, step: 'create-user', error: 'x' })),
    failedApps: failures,
    failedAppsTruncated: false,
    ownersFailed: false,
    grants: { changed: 0, changes: [], unreadableCount: 0, unreadable: [] },
    userQuota: { users: 1, quota: 5000, percent: 0, state: 'ok' },
    dryRun: false,
    more,
    createsLeft: more ? 4 : 0,
  });

  it('adds what an earlier invocation did to the latest one', () => {
    const merged = mergeReconcileOutputs(
      output(['a1', 'a2'], ['a3'], true),
      output(['a4'], ['a3', 'a5'], false),
    );
    expect(merged).toMatchObject({
      created: ['a1', 'a2', 'a4'],
      createdCount: 3,
      // Per app: a3's failure is not counted twice.
      failureCount: 2,
      failedApps: ['a3', 'a5'],
      more: false,
      createsLeft: 0,
    });
  });
});
