import * as z from 'zod';
import { kioUrlSchema, tunableSettings } from '../lambdas/contracts/settings';
import { PACED_SHARE } from '../lambdas/core/call-policy';

/**
 * Deploy-time settings: `cdk.json` context keys prefixed `mint:`, overridable with `-c mint:key=value`.
 * `-c` values arrive as strings, so numbers and booleans are coerced. Every key is documented in the
 * README's configuration table; an unknown `mint:` key is an error, so a typo never silently falls back
 * to a default.
 */
const boolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** A list in cdk.json, or comma-separated with `-c mint:alarmEmails=a@example.com,b@example.com`. */
const emailList = z
  .union([
    z.array(z.string()),
    z.string().transform((s) =>
      s
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.email({ error: 'must be email addresses (a list, or comma-separated with -c)' })));

export const mintConfigSchema = z
  .object({
    kioUrl: kioUrlSchema,
    kioTokenSecretName: z.string().min(1).optional(),
    schedule: z
      .string()
      .regex(/^(rate|cron)\(.+\)$/, 'must be an EventBridge expression such as rate(5 minutes)')
      .default('rate(5 minutes)'),
    scheduleEnabled: boolean.default(true),
    permissionsBoundaryArn: z
      .string()
      .regex(/^arn:aws[\w-]*:iam::(\d{12}|aws):policy\/.+$/, 'must be an IAM managed policy ARN')
      .optional(),
    ...tunableSettings,
    logRetentionDays: z.coerce
      .number()
      .refine((d) => RETENTION_DAYS.includes(d), `must be one of ${RETENTION_DAYS.join(', ')}`)
      .default(90),
    noncurrentVersionExpiryDays: z.coerce.number().int().min(1).default(1),
    tracing: boolean.default(false),
    alarmEmails: emailList.default([]),
    noSuccessAlarmMinutes: z.coerce.number().int().min(10).max(1440).default(60),
    ownerOrganizationId: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, 'must be an AWS Organizations id such as o-a1b2c3d4e5')
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seconds = batchSecondsAtRate(c);
    if (seconds > ROTATE_BATCH_TIMEOUT_SECONDS * 0.8) {
      ctx.addIssue({
        code: 'custom',
        path: ['batchSize'],
        message: `needs about ${Math.ceil(seconds)} s per batch at mint:iamWritesPerSecond ${c.iamWritesPerSecond} with mint:mapConcurrency ${c.mapConcurrency} (${WRITES_PER_APP} IAM writes per app), more than 80 % of the rotation function's ${ROTATE_BATCH_TIMEOUT_SECONDS} s timeout; lower mint:batchSize or mint:mapConcurrency, or raise mint:iamWritesPerSecond`,
      });
    }
    if (c.previousKeyGraceHours * 3_600_000 >= c.accessKeyMaxAgeDays * 86_400_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['previousKeyGraceHours'],
        message:
          'must be shorter than accessKeyMaxAgeDays, or the previous key is never retired before the next rotation',
      });
    }
  });

export type MintConfig = z.infer<typeof mintConfigSchema>;

/** The rotation function's timeout (`lib/workflow/cycle-functions.ts`). */
export const ROTATE_BATCH_TIMEOUT_SECONDS = 600;
/** The most IAM writes one app's rotation makes: new key, password, tags, and retiring the previous key. */
const WRITES_PER_APP = 4;

/**
 * How long a full batch takes when its IAM writes are paced to its share of the rate (the Map runs
 * `mapConcurrency` batches at once, each at 95 % of rate ÷ mapConcurrency).
 */
export function batchSecondsAtRate(
  c: Pick<MintConfig, 'batchSize' | 'iamWritesPerSecond' | 'mapConcurrency'>,
): number {
  return (c.batchSize * WRITES_PER_APP) / ((c.iamWritesPerSecond * PACED_SHARE) / c.mapConcurrency);
}

export const CONTEXT_PREFIX = 'mint:';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and validates every `mint:*` context key; throws a message naming each bad key. */
export function loadMintConfig(context: Record<string, unknown>): MintConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (key.startsWith(CONTEXT_PREFIX) && value !== undefined) raw[key.slice(CONTEXT_PREFIX.length)] = value;
  }
  const result = mintConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown key(s) ${issue.keys.map((k) => `${CONTEXT_PREFIX}${k}`).join(', ')}: see the README's configuration table`;
      }
      const key = `${CONTEXT_PREFIX}${issue.path.join('.')}`;
      const value = issue.path.length ? raw[String(issue.path[0])] : undefined;
      if (issue.code === 'custom') {
        // A rule across keys: the key may be at its default, so say what it is without calling it missing.
        return `${key}${value === undefined ? '' : `=${JSON.stringify(value)}`}: ${issue.message}`;
      }
      return value === undefined
        ? `${key} is required (${issue.message}); set it in cdk.json or pass -c ${key}=...`
        : `${key}=${JSON.stringify(value)}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid Mint configuration:\n  - ${lines.join('\n  - ')}`);
  }
  return result.data;
}
