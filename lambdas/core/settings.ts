import { z } from 'zod';
import type { RotationPolicy } from './due';
import { InvalidInputError } from './errors';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What the stack hands each Lambda through its environment (set by `RotationWorkflow`). */
const envSchema = z.object({
  MINT_BUCKET: z.string().min(3),
  MINT_USER_PATH: z.string().regex(/^\/([\w+=,.@-]+\/)*$/, 'must be an IAM path such as /mint/'),
  MINT_BOUNDARY_ARN: z.string().startsWith('arn:'),
  MINT_KIO_URL: z.url().optional(),
  MINT_KIO_TOKEN_SECRET: z.string().optional(),
  MINT_KIO_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  MINT_PASSWORD_MAX_AGE_HOURS: z.coerce.number().positive().default(24),
  MINT_ACCESS_KEY_MAX_AGE_DAYS: z.coerce.number().positive().default(30),
  MINT_PREVIOUS_KEY_GRACE_HOURS: z.coerce.number().nonnegative().default(24),
  MINT_MAX_DELETIONS_PER_CYCLE: z.coerce.number().int().nonnegative().default(10),
  MINT_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(25),
  MINT_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(20).default(4),
  /** `off` only for the local runner, which has no Step Functions service to ask. */
  MINT_CYCLE_GUARD: z.enum(['stepfunctions', 'off']).default('stepfunctions'),
});

export interface Settings {
  bucket: string;
  userPath: string;
  boundaryArn: string;
  kioUrl?: string;
  kioTokenSecret?: string;
  kioRetries: number;
  policy: RotationPolicy;
  maxDeletionsPerCycle: number;
  batchSize: number;
  batchConcurrency: number;
  cycleGuard: 'stepfunctions' | 'off';
}

export function parseSettings(env: Record<string, string | undefined>): Settings {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const detail = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new InvalidInputError(`Mint's Lambda environment is invalid (${detail}); redeploy the stack.`);
  }
  const e = result.data;
  return {
    bucket: e.MINT_BUCKET,
    userPath: e.MINT_USER_PATH,
    boundaryArn: e.MINT_BOUNDARY_ARN,
    kioUrl: e.MINT_KIO_URL,
    kioTokenSecret: e.MINT_KIO_TOKEN_SECRET || undefined,
    kioRetries: e.MINT_KIO_RETRIES,
    policy: {
      passwordMaxAgeMs: e.MINT_PASSWORD_MAX_AGE_HOURS * HOUR,
      accessKeyMaxAgeMs: e.MINT_ACCESS_KEY_MAX_AGE_DAYS * DAY,
      previousKeyGraceMs: e.MINT_PREVIOUS_KEY_GRACE_HOURS * HOUR,
    },
    maxDeletionsPerCycle: e.MINT_MAX_DELETIONS_PER_CYCLE,
    batchSize: e.MINT_BATCH_SIZE,
    batchConcurrency: e.MINT_BATCH_CONCURRENCY,
    cycleGuard: e.MINT_CYCLE_GUARD,
  };
}
