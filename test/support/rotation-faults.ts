import { cycleKeys } from '../../lambdas/contracts/keys';
import { credentialsKey } from '../../lambdas/core/credentials';
import { TAG } from '../../lambdas/core/service-users';
import { takeInventory } from '../../local/inventory';
import { type LocalMint, startLocalMint } from '../../local/local-mint';
import { type MotoServer, startMoto } from '../../local/moto';
import { type AwsCall, type FaultProxy, startFaultProxy } from './fault-proxy';
import { MotoChecks, userIn } from './moto-checks';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const APP = 'orders';
const tagKeys = (call: AwsCall) =>
  Object.entries(call.params)
    .filter(([name]) => /^Tags\.member\.\d+\.Key$/.test(name))
    .map(([, value]) => value);

/**
 * Every AWS call of one app's rotation, in the order rotateApp makes them. `due` says which cycle
 * reaches the step: a rotation (key and password due) or the retirement of the previous key.
 */
export const STEPS: {
  step: string;
  service: string;
  operation: string;
  due: 'rotation' | 'retirement';
  when: (call: AwsCall) => boolean;
}[] = [
  {
    step: 'read-state: list keys',
    service: 'iam',
    operation: 'ListAccessKeys',
    due: 'rotation',
    when: (c) => c.params.UserName === APP,
  },
  {
    step: 'read-state: published file',
    service: 's3',
    operation: 'GetObject',
    due: 'rotation',
    when: (c) => c.params.Key === credentialsKey(APP),
  },
  {
    step: 'lease',
    service: 's3',
    operation: 'PutObject',
    due: 'rotation',
    when: (c) => c.params.Key === cycleKeys.pending(APP) && c.params.Conditional === '*',
  },
  {
    step: 'generate: password policy',
    service: 'iam',
    operation: 'GetAccountPasswordPolicy',
    due: 'rotation',
    when: () => true,
  },
  {
    step: 'create-access-key',
    service: 'iam',
    operation: 'CreateAccessKey',
    due: 'rotation',
    when: (c) => c.params.UserName === APP,
  },
  {
    step: 'stage',
    service: 's3',
    operation: 'PutObject',
    due: 'rotation',
    // The lease file rewritten with If-Match: staging (and, after a failure, its release).
    when: (c) =>
      c.params.Key === cycleKeys.pending(APP) &&
      c.params.Conditional !== undefined &&
      c.params.Conditional !== '*',
  },
  {
    step: 'test-access-key',
    service: 'sts',
    operation: 'GetCallerIdentity',
    due: 'rotation',
    when: () => true,
  },
  {
    step: 'set-password',
    service: 'iam',
    operation: 'UpdateLoginProfile',
    due: 'rotation',
    when: (c) => c.params.UserName === APP,
  },
  {
    step: 'publish',
    service: 's3',
    operation: 'PutObject',
    due: 'rotation',
    when: (c) => c.params.Key === credentialsKey(APP),
  },
  {
    step: 'record',
    service: 'iam',
    operation: 'TagUser',
    due: 'rotation',
    when: (c) => c.params.UserName === APP && tagKeys(c).includes(TAG.previousKeyId),
  },
  {
    step: 'clear-stage',
    service: 's3',
    operation: 'DeleteObject',
    due: 'rotation',
    when: (c) => c.params.Key === cycleKeys.pending(APP),
  },
  {
    step: 'retire-previous-key',
    service: 'iam',
    operation: 'DeleteAccessKey',
    due: 'retirement',
    when: (c) => c.params.UserName === APP,
  },
];

/**
 * One app behind a fault proxy: moto, the proxy in front of it, and Mint pointed at the proxy. Checks
 * go straight to moto, so they see what is really there.
 */
export class FaultBench {
  private constructor(
    private readonly moto: MotoServer,
    readonly proxy: FaultProxy,
    readonly mint: LocalMint,
    private readonly check: MotoChecks,
  ) {}

  static async start(env: Record<string, string>): Promise<FaultBench> {
    const moto = await startMoto();
    const proxy = await startFaultProxy(moto.url);
    const mint = await startLocalMint({
      endpoint: proxy.url,
      apps: [{ id: APP, team_id: 'team-a', name: APP, active: true }],
      env,
    });
    return new FaultBench(moto, proxy, mint, new MotoChecks(moto.url, mint.bucket));
  }

  async stop(): Promise<void> {
    await this.mint.stop();
    await this.proxy.close();
    await this.moto.stop();
  }

  async reset(): Promise<void> {
    this.proxy.disarm();
    await this.mint.reset();
  }

  cycle(offsetMs: number) {
    return this.mint.cycle({}, { now: () => new Date(Date.now() + offsetMs) });
  }

  /** Runs clean cycles up to the one where `due` work happens; returns that cycle's clock offset. */
  async prepare(due: 'rotation' | 'retirement'): Promise<number> {
    if ((await this.cycle(0)).status !== 'SUCCEEDED') throw new Error('the first cycle failed');
    if (due === 'rotation') return 31 * DAY;
    if ((await this.cycle(31 * DAY)).status !== 'SUCCEEDED') throw new Error('the rotation cycle failed');
    return 31 * DAY + 25 * HOUR;
  }

  published(): Promise<Record<string, string> | undefined> {
    return this.check.published(APP);
  }

  async keys(): Promise<string[]> {
    return userIn(await takeInventory(this.mint.bucket, '/mint/'), APP)?.keys.map((k) => k.id) ?? [];
  }

  /** The app is served by what is published (its key authenticates as its user) within IAM's key limit. */
  async expectServing(): Promise<{
    keys: string[];
    doc?: Record<string, string>;
    tags: Record<string, string>;
  }> {
    const doc = await this.check.published(APP);
    const user = userIn(await takeInventory(this.mint.bucket, '/mint/'), APP);
    expect(doc).toBeDefined();
    expect(await this.check.callerOf(doc ?? {})).toBe(user?.arn);
    const keys = user?.keys.map((k) => k.id) ?? [];
    expect(keys.length).toBeLessThanOrEqual(2);
    return { keys, doc, tags: user?.tags ?? {} };
  }

  /** Served, and nothing left over from an interrupted rotation. */
  async expectHealthy(): Promise<void> {
    const { keys, doc, tags } = await this.expectServing();
    // No orphan: each key is the published one or the previous one Mint remembers (and will retire).
    const accounted = [doc?.client_id, tags[TAG.previousKeyId]];
    for (const key of keys) expect(accounted).toContain(key);
    // No stage left: no staged secret, no lease (every cycle lists the stages and finishes or clears them).
    expect(await this.check.read(cycleKeys.pending(APP))).toBeUndefined();
  }
}
