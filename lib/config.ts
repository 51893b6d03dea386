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

/**
 * A Cognito prefix domain: `<prefix>.auth.<region>.amazoncognito.com`. The pattern is
 * CreateUserPoolDomain's; Cognito also refuses a prefix containing a reserved word.
 */
export const COGNITO_DOMAIN_RESERVED_WORDS = ['aws', 'amazon', 'cognito'] as const;
const userPoolDomainPrefixSchema = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen',
  )
  .refine(
    (prefix) => !COGNITO_DOMAIN_RESERVED_WORDS.some((word) => prefix.includes(word)),
    `must not contain ${COGNITO_DOMAIN_RESERVED_WORDS.join(', ')} (Cognito reserves them)`,
  );

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
    userPoolDomainPrefix: userPoolDomainPrefixSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seconds = batchSecondsAtRate(c);
    if (seconds > ROTATE_BATCH_TIMEOUT_SECONDS * 0.8) {
      const rateKey = writeRateKey(c);
      const store = c.identityStore === 'cognito' ? 'Cognito' : 'IAM';
      ctx.addIssue({
        code: 'custom',
        path: ['batchSize'],
        message: `needs about ${Math.ceil(seconds)} s per batch at mint:${rateKey} ${c[rateKey]} with mint:mapConcurrency ${c.mapConcurrency} (${WRITES_PER_APP} ${store} writes per app), more than 80 % of the rotation function's ${ROTATE_BATCH_TIMEOUT_SECONDS} s timeout; lower mint:batchSize or mint:mapConcurrency, or raise mint:${rateKey}`,
      });
    }
    for (const issue of identityStoreIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
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
/**
 * The most identity-store writes one app's rotation makes. IAM: new key, password, tags, and retiring
 * the previous key. Cognito: new client secret, password, attributes, and retiring the previous secret.
 */
const WRITES_PER_APP = 4;

type RateSettings = Pick<
  MintConfig,
  'batchSize' | 'identityStore' | 'iamWritesPerSecond' | 'cognitoWritesPerSecond' | 'mapConcurrency'
>;

/** The key of the write rate rotation is paced to: the chosen identity store's. */
function writeRateKey(c: Pick<MintConfig, 'identityStore'>): 'iamWritesPerSecond' | 'cognitoWritesPerSecond' {
  return c.identityStore === 'cognito' ? 'cognitoWritesPerSecond' : 'iamWritesPerSecond';
}

/**
 * How long a full batch takes when its identity-store writes are paced to its share of the store's rate
 * (the Map runs `mapConcurrency` batches at once, each at 95 % of rate ÷ mapConcurrency).
 */
export function batchSecondsAtRate(c: RateSettings): number {
  return (c.batchSize * WRITES_PER_APP) / ((c[writeRateKey(c)] * PACED_SHARE) / c.mapConcurrency);
}

/**
 * Resource server ids and scope names as Cognito accepts them (CreateResourceServer): printable ASCII
 * without `"` and `\`, and no `/` in a scope name (`mint:oauthScopes` already splits on it).
 */
const RESOURCE_SERVER_ID = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;
const SCOPE_NAME = /^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$/;

/** The rules across keys of the identity store choice, each naming the key to change and how. */
function identityStoreIssues(c: MintConfig): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const onlyWith = (key: keyof MintConfig, store: 'iam' | 'cognito', what: string) => {
    if (c[key] !== undefined && c.identityStore !== store) {
      issues.push({
        path: [key],
        message: `${what}, so it applies only with mint:identityStore=${store} (it is ${c.identityStore}): remove mint:${key} or set mint:identityStore=${store}`,
      });
    }
  };
  onlyWith('serviceUserGroup', 'iam', 'is the IAM group service users join');
  onlyWith('permissionsBoundaryArn', 'iam', "is the IAM service users' permissions boundary");
  onlyWith('userPoolId', 'cognito', 'is the Cognito user pool of the service users');
  onlyWith('tokenEndpoint', 'cognito', "is the Cognito user pool's token endpoint");
  onlyWith('userPoolDomainPrefix', 'cognito', 'is the domain of the Cognito user pool the stack creates');
  if (
    c.serviceUserGroup !== undefined &&
    c.identityStore === 'iam' &&
    c.permissionsBoundaryArn === undefined
  ) {
    issues.push({
      path: ['serviceUserGroup'],
      message:
        "would grant nothing: without mint:permissionsBoundaryArn every service user carries the stack's deny-all boundary, " +
        "which caps the group's policies; set mint:permissionsBoundaryArn to a boundary that allows what the group grants",
    });
  }
  if (c.identityStore !== 'cognito') return issues;
  if (c.userPoolId !== undefined && c.tokenEndpoint === undefined) {
    issues.push({
      path: ['userPoolId'],
      message:
        "is an existing pool, whose domain the stack does not know: set mint:tokenEndpoint to the pool's https://<domain>/oauth2/token too",
    });
  }
  if (c.tokenEndpoint !== undefined && c.userPoolId === undefined) {
    issues.push({
      path: ['tokenEndpoint'],
      message:
        'belongs to an existing pool: set mint:userPoolId to that pool too, or remove mint:tokenEndpoint and the stack creates a pool with its own domain',
    });
  }
  if (c.userPoolId !== undefined && c.userPoolDomainPrefix !== undefined) {
    issues.push({
      path: ['userPoolDomainPrefix'],
      message:
        'names the domain of a pool the stack creates, and mint:userPoolId uses an existing pool instead: remove one of them',
    });
  }
  const scopes = c.oauthScopes.split(' ');
  for (const scope of scopes) {
    const [server = '', name = ''] = scope.split('/');
    if (!RESOURCE_SERVER_ID.test(server) || !SCOPE_NAME.test(name)) {
      issues.push({
        path: ['oauthScopes'],
        message: `${JSON.stringify(scope)} is not a Cognito scope: resource server ids and scope names are printable ASCII without quotes or backslashes`,
      });
    }
  }
  if (new Set(scopes).size !== scopes.length) {
    issues.push({ path: ['oauthScopes'], message: 'lists a scope twice: list each once' });
  }
  return issues;
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
