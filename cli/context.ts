import type { SFNClient } from '@aws-sdk/client-sfn';
import type { BucketStore } from '../lambdas/adapters/object-store';
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
  /** How long `run --wait`, `redrive --wait` and `plan` follow an execution before they stop waiting. */
  timeoutMs: number;
  /** AWS_ENDPOINT_URL when it is a local emulator (moto), where executions may never run. */
  localEndpoint?: string;
  sleep(ms: number): Promise<void>;
  now(): Date;
}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2));
}
