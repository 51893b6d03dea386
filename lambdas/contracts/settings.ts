import * as z from 'zod';
import type { RotationPolicy } from '../core/due';
import { InvalidInputError } from '../core/errors';

/**
 * The one definition of every setting Mint's functions read. The tunables are also `cdk.json` keys:
 * `lib/config.ts` validates them at synth with these same schemas, so a value that passes synth is a
 * value the functions accept. The stack passes each function only the variables it reads
 * (`FUNCTION_SCHEMAS`), named by `ENVIRONMENT_VARIABLES`.
 */
export const tunableSettings = {
  userPath: z
    .string()
    .regex(/^\/([\w+=,.@-]+\/)+$/, 'must be an IAM path such as /mint/ (starts and ends with /)')
    .default('/mint/'),
  passwordMaxAgeHours: z.coerce.number().positive().default(24),
  accessKeyMaxAgeDays: z.coerce.number().positive().default(30),
  previousKeyGraceHours: z.coerce.number().nonnegative().default(24),
  maxDeletionsPerCycle: z.coerce.number().int().nonnegative().default(10),
  batchSize: z.coerce.number().int().min(1).max(500).default(25),
  batchConcurrency: z.coerce.number().int().min(1).max(20).default(4),
  /** Rotation batches run at once (the Map's MaxConcurrency): each takes its share of the IAM rate. */
  mapConcurrency: z.coerce.number().int().min(1).max(40).default(8),
  /**
   * IAM writes per second the whole account may spend on Mint. AWS does not publish IAM's rates;
   * Mint paces its writes to this and retries what is throttled anyway (README, "Scale and cost").
   */
  iamWritesPerSecond: z.coerce.number().positive().max(100).default(5),
  /**
   * Where service users live: `iam` (users with a password and access keys) or `cognito` (a user pool
   * user with a password, and an app client whose secret rotates). README, "Choosing an identity store".
   */
  identityStore: z.enum(['iam', 'cognito']).default('iam'),
  /** IAM store: the one IAM group every service user joins, whose policies say what the apps may do. */
  serviceUserGroup: z
    .string()
    .regex(/^[\w+=,.@-]{1,128}$/, 'must be an IAM group name such as mint-service-users')
    .optional(),
  /** Cognito store: an existing user pool to use instead of the one the stack creates. */
  userPoolId: z
    .string()
    .regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id such as eu-central-1_AbC123xyz')
    .optional(),
  /**
   * Cognito store: the scopes every app client may ask for with the client_credentials grant,
   * space-separated `<resource server>/<scope>` (the stack creates them on the pool it creates).
   */
  oauthScopes: z
    .string()
    .regex(/^[^\s/]+\/[^\s/]+( [^\s/]+\/[^\s/]+)*$/, 'must be space-separated scopes such as "mint/access"')
    .default('mint/access'),
  /**
   * Cognito store: the pool's token endpoint, `https://<domain>/oauth2/token`. Derived from the domain
   * the stack creates; needed with `userPoolId`, whose domain the stack does not know.
   */
  tokenEndpoint: z
    .url({ protocol: /^https?$/, error: "must be the pool's https://<domain>/oauth2/token URL" })
    .optional(),
  /**
   * Cognito store: writes per second Mint may spend (user updates, creations, secrets). Cognito's
   * UserUpdate category allows 25 per second per account by default, shared with everything else.
   */
  cognitoWritesPerSecond: z.coerce.number().positive().max(100).default(10),
  /**
   * Cognito store: the pool's app clients quota (1,000 by default, up to 10,000 on request). Cognito's
   * API does not tell it, so after raising it, say so here: Mint warns from 90 % of this.
   */
  cognitoAppClientsQuota: z.coerce.number().int().min(1).max(10_000).default(1000),
};

export const kioUrlSchema = z.url({
  protocol: /^https?$/,
  error: 'must be an http(s) URL such as https://kio.example.com',
});

const functionSettingsSchema = z.object({
  ...tunableSettings,
  bucket: z.string().min(3),
  /** IAM store: the permissions boundary every service user carries. */
  boundaryArn: z.string().startsWith('arn:').optional(),
  kioUrl: kioUrlSchema,
  kioTokenSecret: z.string().min(1).optional(),
  kioRetries: z.coerce.number().int().min(0).max(10).default(4),
  /** `off` only for the local runner, which has no Step Functions service to ask. */
  cycleGuard: z.enum(['stepfunctions', 'off']).default('stepfunctions'),
  /** Attempts per AWS call in the SDK's standard retry mode (backoff with full jitter). */
  awsMaxAttempts: z.coerce.number().int().min(1).max(20).default(8),
  /** A call that has not answered in this time is abandoned and retried, instead of hanging the Lambda. */
  awsTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
});

export type SettingValues = z.infer<typeof functionSettingsSchema>;
export type SettingName = keyof SettingValues;

export const ENVIRONMENT_VARIABLES = {
  userPath: 'MINT_USER_PATH',
  passwordMaxAgeHours: 'MINT_PASSWORD_MAX_AGE_HOURS',
  accessKeyMaxAgeDays: 'MINT_ACCESS_KEY_MAX_AGE_DAYS',
  previousKeyGraceHours: 'MINT_PREVIOUS_KEY_GRACE_HOURS',
  maxDeletionsPerCycle: 'MINT_MAX_DELETIONS_PER_CYCLE',
  batchSize: 'MINT_BATCH_SIZE',
  batchConcurrency: 'MINT_BATCH_CONCURRENCY',
  mapConcurrency: 'MINT_MAP_CONCURRENCY',
  iamWritesPerSecond: 'MINT_IAM_WRITES_PER_SECOND',
  identityStore: 'MINT_IDENTITY_STORE',
  serviceUserGroup: 'MINT_SERVICE_USER_GROUP',
  userPoolId: 'MINT_USER_POOL_ID',
  oauthScopes: 'MINT_OAUTH_SCOPES',
  tokenEndpoint: 'MINT_TOKEN_ENDPOINT',
  cognitoWritesPerSecond: 'MINT_COGNITO_WRITES_PER_SECOND',
  cognitoAppClientsQuota: 'MINT_COGNITO_APP_CLIENTS_QUOTA',
  bucket: 'MINT_BUCKET',
  boundaryArn: 'MINT_BOUNDARY_ARN',
  kioUrl: 'MINT_KIO_URL',
  kioTokenSecret: 'MINT_KIO_TOKEN_SECRET',
  kioRetries: 'MINT_KIO_RETRIES',
  cycleGuard: 'MINT_CYCLE_GUARD',
  awsMaxAttempts: 'MINT_AWS_MAX_ATTEMPTS',
  awsTimeoutMs: 'MINT_AWS_TIMEOUT_MS',
} as const satisfies Record<SettingName, `MINT_${string}`>;

const CLIENT = { awsMaxAttempts: true, awsTimeoutMs: true } as const;
const ROTATION_POLICY = {
  passwordMaxAgeHours: true,
  accessKeyMaxAgeDays: true,
  previousKeyGraceHours: true,
} as const;
const USERS = {
  bucket: true,
  identityStore: true,
  userPath: true,
  boundaryArn: true,
  serviceUserGroup: true,
  userPoolId: true,
  oauthScopes: true,
  iamWritesPerSecond: true,
  cognitoWritesPerSecond: true,
  cognitoAppClientsQuota: true,
} as const;

/**
 * What each function reads, and nothing else: the stack passes exactly these variables. Every
 * function may tune its AWS clients; the stack leaves those unset (the defaults apply).
 * RetryServiceUsers runs in Reconcile's function and RecordRetry in Report's.
 */
const FUNCTION_SCHEMAS = {
  startCycle: functionSettingsSchema.pick({ cycleGuard: true, ...CLIENT }),
  listApps: functionSettingsSchema.pick({
    bucket: true,
    kioUrl: true,
    kioTokenSecret: true,
    kioRetries: true,
    ...CLIENT,
  }),
  reconcile: functionSettingsSchema.pick({
    ...USERS,
    mapConcurrency: true,
    maxDeletionsPerCycle: true,
    batchSize: true,
    ...ROTATION_POLICY,
    ...CLIENT,
  }),
  rotateBatch: functionSettingsSchema.pick({
    ...USERS,
    tokenEndpoint: true,
    mapConcurrency: true,
    batchConcurrency: true,
    cycleGuard: true,
    ...ROTATION_POLICY,
    ...CLIENT,
  }),
  report: functionSettingsSchema.pick({ bucket: true, batchSize: true, mapConcurrency: true, ...CLIENT }),
};

export type MintFunction = keyof typeof FUNCTION_SCHEMAS;
export const MINT_FUNCTIONS = Object.keys(FUNCTION_SCHEMAS).filter(isMintFunction);
export type FunctionSettings<F extends MintFunction> = z.output<(typeof FUNCTION_SCHEMAS)[F]>;

function isMintFunction(name: string): name is MintFunction {
  return name in FUNCTION_SCHEMAS;
}

function isSettingName(name: string): name is SettingName {
  return name in ENVIRONMENT_VARIABLES;
}

/** The settings a function reads, by name. */
export function functionSettingNames(fn: MintFunction): SettingName[] {
  return Object.keys(FUNCTION_SCHEMAS[fn].shape).filter(isSettingName);
}

/** `field: problem; field: problem`, for error messages that name what to fix. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

/**
 * A function's settings from its environment, naming each bad variable. Reads only the variables its
 * schema lists, so a function cannot come to depend on one the stack does not pass.
 */
export function readFunctionSettings<F extends MintFunction>(
  fn: F,
  env: Record<string, string | undefined>,
): FunctionSettings<F> {
  return parseEnvironment(`Mint's ${fn} function`, FUNCTION_SCHEMAS[fn], env);
}

/** Only the AWS client settings: for the CLI, which reads them from its own environment. */
export function readClientSettings(env: Record<string, string | undefined>): ClientSettings {
  return parseEnvironment("Mint's CLI", functionSettingsSchema.pick(CLIENT), env);
}
export type ClientSettings = Pick<SettingValues, keyof typeof CLIENT>;

/** Every function's settings at once: the local runner and the benchmark run all five in one process. */
export function readAllSettings(env: Record<string, string | undefined>): SettingValues {
  return parseEnvironment("Mint's functions", functionSettingsSchema, env);
}

function parseEnvironment<S extends z.ZodObject>(
  reader: string,
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const values: Record<string, string | undefined> = {};
  for (const name of Object.keys(schema.shape).filter(isSettingName))
    values[name] = env[ENVIRONMENT_VARIABLES[name]] || undefined;
  const result = schema.safeParse(values);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      return `${isSettingName(name) ? ENVIRONMENT_VARIABLES[name] : name}: ${issue.message}`;
    });
    throw new InvalidInputError(
      `${reader} environment is invalid (${problems.join('; ')}); redeploy the stack.`,
    );
  }
  return result.data;
}

/** The variables the stack sets on a function: the ones it reads that have a value. */
export function functionEnvironment(
  fn: MintFunction,
  values: Partial<Record<SettingName, string | number | undefined>>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of functionSettingNames(fn)) {
    const value = values[name];
    if (value !== undefined) environment[ENVIRONMENT_VARIABLES[name]] = String(value);
  }
  return environment;
}

const HOUR = 3_600_000;

/** The rotation policy in milliseconds, from the settings in hours and days. */
export function rotationPolicy(
  settings: Pick<SettingValues, 'passwordMaxAgeHours' | 'accessKeyMaxAgeDays' | 'previousKeyGraceHours'>,
): RotationPolicy {
  return {
    passwordMaxAgeMs: settings.passwordMaxAgeHours * HOUR,
    accessKeyMaxAgeMs: settings.accessKeyMaxAgeDays * 24 * HOUR,
    previousKeyGraceMs: settings.previousKeyGraceHours * HOUR,
  };
}

/**
 * Writes one new app's identity costs: IAM creates the user with its boundary and tags in one call (and
 * adds it to the service user group); Cognito creates the app client, then the user recording it.
 */
export function creationWrites(settings: Pick<SettingValues, 'identityStore' | 'serviceUserGroup'>): number {
  if (settings.identityStore === 'cognito') return 2;
  return settings.serviceUserGroup ? 2 : 1;
}

/**
 * The write rate of the identity store a function writes to (IAM's or Cognito's), for the functions that
 * do; undefined (unpaced) for the others.
 */
export function identityWriteRate(settings: object): number | undefined {
  if (!('identityStore' in settings)) return undefined;
  const rate =
    settings.identityStore === 'cognito'
      ? 'cognitoWritesPerSecond' in settings && settings.cognitoWritesPerSecond
      : 'iamWritesPerSecond' in settings && settings.iamWritesPerSecond;
  return typeof rate === 'number' ? rate : undefined;
}

/** The chosen store's write rate, for the functions that read both rates (Reconcile, RotateBatch). */
export function storeWriteRate(
  settings: Pick<SettingValues, 'identityStore' | 'iamWritesPerSecond' | 'cognitoWritesPerSecond'>,
): number {
  return settings.identityStore === 'cognito' ? settings.cognitoWritesPerSecond : settings.iamWritesPerSecond;
}
