import * as z from 'zod';
import type { RotationPolicy } from '../core/due';
import { InvalidInputError } from '../core/errors';

/**
 * The one definition of every setting Mint's functions read. The tunables are also `cdk.json` keys:
 * `lib/config.ts` validates them at synth with these same schemas, so a value that passes synth is a
 * value the functions accept. The stack passes each function only the variables it reads
 * (`FUNCTION_SETTINGS`), named by `ENVIRONMENT_VARIABLES`.
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
};

export const kioUrlSchema = z.url({
  protocol: /^https?$/,
  error: 'must be an http(s) URL such as https://kio.example.com',
});

const functionSettingsSchema = z.object({
  ...tunableSettings,
  bucket: z.string().min(3),
  boundaryArn: z.string().startsWith('arn:'),
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
const USERS = { bucket: true, userPath: true, boundaryArn: true } as const;

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
    iamWritesPerSecond: true,
    mapConcurrency: true,
    maxDeletionsPerCycle: true,
    batchSize: true,
    ...ROTATION_POLICY,
    ...CLIENT,
  }),
  rotateBatch: functionSettingsSchema.pick({
    ...USERS,
    iamWritesPerSecond: true,
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

/** The account's IAM write rate, for a function that writes to IAM (unpaced otherwise). */
export function iamWriteRate(settings: object): number | undefined {
  const rate = 'iamWritesPerSecond' in settings ? settings.iamWritesPerSecond : undefined;
  return typeof rate === 'number' ? rate : undefined;
}
