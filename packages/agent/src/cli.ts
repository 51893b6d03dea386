import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  type CredentialsDocument,
  CredentialsError,
  CredentialsWatcher,
  type WatcherOptions,
} from './credentials';
import { writeCredentialFiles } from './files';
import { createTokenSource, TokenError, type TokenSourceOptions } from './token';

export const USAGE = `Usage: mint-agent --bucket BUCKET --app APP_ID [options] DIR

Keeps DIR/credentials.json (and user.json, client.json for applications written for berry) equal to
s3://BUCKET/APP_ID/credentials.json, reading it with this machine's AWS credentials.

Options (environment variable in brackets):
  --bucket NAME      Mint's bucket, the stack output BucketName   [MINT_BUCKET]
  --app ID           your application's Kio id                     [MINT_APP_ID]
  --region REGION    the bucket's region                           [AWS_REGION]
  --interval SECS    seconds between polls, default 120            [MINT_AGENT_INTERVAL]
  --once             write once and exit: 0 when written, 1 otherwise (for init containers)
  --quiet            log only errors
  -h, --help         show this help
DIR may also come from MINT_AGENT_DIR. Files are written atomically, mode 0600, only when changed.
\`mint-agent token --help\`: print an OAuth 2.0 access token for the credentials in DIR (a DIR named token
is ./token).`;

export const TOKEN_USAGE = `Usage: mint-agent token --credentials-dir DIR --token-endpoint URL [--scope SCOPE]...

Prints an access token for the app client in DIR/credentials.json (the Cognito identity store) from its
user pool's token endpoint, with the OAuth 2.0 client_credentials grant.

Options (environment variable in brackets):
  --credentials-dir DIR   the directory mint-agent keeps            [MINT_AGENT_DIR]
  --token-endpoint URL    https://<user pool domain>/oauth2/token    [MINT_TOKEN_ENDPOINT]
  --scope SCOPE           a scope to ask for; repeat it, or separate scopes with spaces
  -h, --help              show this help
Exits 0 with the token on stdout, 1 when no token could be had (the reason on stderr), 2 on bad usage.`;

export class AgentUsageError extends Error {
  override name = 'AgentUsageError';
}

export interface AgentArgs {
  bucket: string;
  appId: string;
  dir: string;
  region?: string;
  intervalMs: number;
  once: boolean;
  quiet: boolean;
  help: boolean;
}

export function parseAgentArgs(argv: string[], env: Record<string, string | undefined>): AgentArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new AgentUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help)
    return { bucket: '', appId: '', dir: '', intervalMs: 0, once: false, quiet: false, help: true };
  const bucket = values.bucket || env.MINT_BUCKET;
  const appId = values.app || env.MINT_APP_ID;
  const dir = positionals[0] || env.MINT_AGENT_DIR;
  const missing = [
    !bucket && '--bucket (or MINT_BUCKET)',
    !appId && '--app (or MINT_APP_ID)',
    !dir && 'DIR (or MINT_AGENT_DIR)',
  ].filter(Boolean);
  if (missing.length > 0) throw new AgentUsageError(`missing ${missing.join(', ')}\n\n${USAGE}`);
  if (positionals.length > 1)
    throw new AgentUsageError(`one DIR expected, got ${positionals.length}: ${positionals.join(' ')}`);
  const intervalText = values.interval ?? env.MINT_AGENT_INTERVAL ?? '120';
  const interval = Number(intervalText);
  if (!Number.isFinite(interval) || interval < 5 || interval > 86_400) {
    throw new AgentUsageError(`--interval ${intervalText}: expected seconds from 5 to 86400`);
  }
  return {
    bucket: bucket ?? '',
    appId: appId ?? '',
    dir: dir ?? '',
    region: values.region || env.AWS_REGION || undefined,
    intervalMs: interval * 1000,
    once: values.once === true,
    quiet: values.quiet === true,
    help: false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      bucket: { type: 'string' },
      app: { type: 'string' },
      region: { type: 'string' },
      interval: { type: 'string' },
      once: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export interface TokenArgs {
  credentialsDir: string;
  tokenEndpoint: string;
  scopes: string[];
  help: boolean;
}

export function parseTokenArgs(argv: string[], env: Record<string, string | undefined>): TokenArgs {
  let values: ReturnType<typeof parseToken>['values'];
  try {
    ({ values } = parseToken(argv));
  } catch (error) {
    throw new AgentUsageError(`${(error as Error).message}\n\n${TOKEN_USAGE}`);
  }
  if (values.help) return { credentialsDir: '', tokenEndpoint: '', scopes: [], help: true };
  const credentialsDir = values['credentials-dir'] || env.MINT_AGENT_DIR;
  const tokenEndpoint = values['token-endpoint'] || env.MINT_TOKEN_ENDPOINT;
  const missing = [
    !credentialsDir && '--credentials-dir (or MINT_AGENT_DIR)',
    !tokenEndpoint && '--token-endpoint (or MINT_TOKEN_ENDPOINT)',
  ].filter(Boolean);
  if (missing.length > 0) throw new AgentUsageError(`missing ${missing.join(', ')}\n\n${TOKEN_USAGE}`);
  return {
    credentialsDir: credentialsDir ?? '',
    tokenEndpoint: tokenEndpoint ?? '',
    scopes: (values.scope ?? []).flatMap((scope) => scope.split(/\s+/)).filter(Boolean),
    help: false,
  };
}

function parseToken(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'credentials-dir': { type: 'string' },
      'token-endpoint': { type: 'string' },
      scope: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** `mint-agent token`: one access token on stdout (io.log), or why not on stderr (io.error). */
export async function runToken(
  args: TokenArgs,
  io: Pick<AgentIo, 'log' | 'error'>,
  options: Partial<Pick<TokenSourceOptions, 'fetch' | 'timeoutMs'>> = {},
): Promise<number> {
  let tokens: ReturnType<typeof createTokenSource>;
  try {
    tokens = createTokenSource({
      credentialsDir: args.credentialsDir,
      tokenEndpoint: args.tokenEndpoint,
      scopes: args.scopes,
      ...options,
    });
  } catch (error) {
    io.error(`mint-agent token: ${(error as Error).message}`);
    return 2;
  }
  try {
    io.log(await tokens.getToken());
    return 0;
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    io.error(`mint-agent token: ${error.message}`);
    return 1;
  } finally {
    tokens.close();
  }
}

export interface AgentIo {
  log(line: string): void;
  error(line: string): void;
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT). */
  stopSignal: Promise<void>;
}

/**
 * Runs the agent: with `--once`, one read and write; otherwise a watcher that rewrites the files on
 * every change until stopped. Never logs a secret value: only which files changed and the key id.
 */
export async function runAgent(
  args: AgentArgs,
  io: AgentIo,
  watcherOptions: Partial<WatcherOptions> = {},
): Promise<number> {
  await mkdir(args.dir, { recursive: true, mode: 0o700 });
  const watcher = new CredentialsWatcher({
    bucket: args.bucket,
    appId: args.appId,
    region: args.region,
    intervalMs: args.intervalMs,
    ...watcherOptions,
  });
  let lastError: CredentialsError | undefined;
  let writes = Promise.resolve();
  const write = async (doc: CredentialsDocument) => {
    const written = await writeCredentialFiles(args.dir, doc);
    if (!args.quiet && written.length > 0) {
      io.log(`mint-agent: wrote ${written.join(', ')} in ${args.dir} (access key ${doc.client_id})`);
    }
  };
  watcher.on('change', (doc) => {
    // Serialized, so a slow disk never interleaves two generations of the files.
    writes = writes
      .then(() => write(doc))
      .catch((error: unknown) => {
        io.error(`mint-agent: cannot write to ${args.dir}: ${(error as Error).message}`);
        lastError = new CredentialsError('unreachable', String(error));
      });
  });
  watcher.on('error', (error) => {
    lastError = error;
    io.error(`mint-agent: ${error.message}`);
  });

  if (args.once) {
    // The first poll either reads a document (and writes it) or reports why not through 'error'.
    await watcher.poll();
    await writes;
    return watcher.current() && !lastError ? 0 : 1;
  }
  await watcher.start();
  await io.stopSignal;
  await watcher.stop();
  await writes;
  if (!args.quiet) io.log('mint-agent: stopped');
  return 0;
}

/**
 * Parses the command line, or answers for it: exit 2 with the usage error, or 0 after printing the
 * usage when asked for help. Returns the arguments when there is work to do.
 */
function parseOrAnswer<A extends { help?: boolean }>(
  parse: () => A,
  usage: string,
): { args: A } | { exitCode: number } {
  let args: A;
  try {
    args = parse();
  } catch (error) {
    if (error instanceof AgentUsageError) {
      process.stderr.write(`${error.message}\n`);
      return { exitCode: 2 };
    }
    throw error;
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return { exitCode: 0 };
  }
  return { args };
}

async function mainToken(argv: string[]): Promise<number> {
  const parsed = parseOrAnswer(() => parseTokenArgs(argv, process.env), TOKEN_USAGE);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { args } = parsed;
  return runToken(args, {
    log: (line) => process.stdout.write(`${line}\n`),
    error: (line) => process.stderr.write(`${line}\n`),
  });
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'token') return mainToken(argv.slice(1));
  const parsed = parseOrAnswer(() => parseAgentArgs(argv, process.env), USAGE);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { args } = parsed;
  const stopSignal = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  return runAgent(args, {
    log: (line) => process.stdout.write(`${line}\n`),
    error: (line) => process.stderr.write(`${line}\n`),
    stopSignal,
  });
}

/** Runs `mint-agent` with this process's arguments and exits with its code. */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`mint-agent failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) runCli();
