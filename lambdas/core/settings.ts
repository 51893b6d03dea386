import * as z from 'zod';
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

/** `field: problem; field: problem`, for error messages that name what to fix. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

function parseEnv<T>(schema: z.ZodType<T>, env: Record<string, string | undefined>): T {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new InvalidInputError(
      `Mint's Lambda environment is invalid (${describeIssues(result.error)}); redeploy the stack.`,
    );
  }
  return result.data;
}

export function parseSettings(env: Record<string, string | undefined>): Settings {
  const e = parseEnv(envSchema, env);
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

const awsClientEnvSchema = z.object({
  /** Attempts per AWS call in the SDK's standard retry mode (backoff with full jitter). */
  MINT_AWS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** A call that has not answered in this time is abandoned and retried, instead of hanging the Lambda. */
  MINT_AWS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
});

export interface AwsClientSettings {
  maxAttempts: number;
  requestTimeoutMs: number;
}

export function parseAwsClientSettings(env: Record<string, string | undefined>): AwsClientSettings {
  const e = parseEnv(awsClientEnvSchema, env);
  return { maxAttempts: e.MINT_AWS_MAX_ATTEMPTS, requestTimeoutMs: e.MINT_AWS_TIMEOUT_MS };
}
