import type { SFNClient } from '@aws-sdk/client-sfn';
import type { BucketStore } from '../lambdas/adapters/bucket-store';
import type { MintTargets } from './targets';

/** What every command works with: clients, targets and where to print. */
export interface CliContext {
  sfn: SFNClient;
  bucket: BucketStore;
  targets: MintTargets;
  json: boolean;
  out(text: string): void;
  /** Progress and hints: kept off stdout, so `--json` output stays parseable. */
  err(text: string): void;
  /** Whether stderr is a terminal, where a progress line can be redrawn in place. */
  interactive: boolean;
  pollMs: number;
  sleep(ms: number): Promise<void>;
  now(): Date;
}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2));
}
