import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { clientConfig } from '../lambdas/adapters/aws-clients';
import { S3BucketStore } from '../lambdas/adapters/bucket-store';
import { accessPolicyCommand } from './access-policy';
import type { CliContext } from './context';
import { CliError, CycleSkippedError, EXIT, explainError } from './errors';
import { planCommand } from './plan';
import { redriveCommand } from './redrive';
import { runCommand } from './run';
import { statusCommand } from './status';
import { resolveTargets } from './targets';

/** How long waiting commands follow an execution by default: most cycles end in minutes. */
export const DEFAULT_TIMEOUT = '30m';

export const USAGE = `Usage: mint <command> [options]

Commands:
  status [APP]            latest cycles, the latest cycle's failures, every app (failing first)
  run [--app ID ...] [--force] [--revoke-previous] [--dry-run] [--wait [--timeout D]]
                          start a cycle; --wait follows it to the end
  redrive [EXECUTION] [--wait [--timeout D]]
                          re-run only what failed in the latest failed cycle, or the one named
                          (a cycle id from 'mint status' or an execution ARN); --wait follows it
  plan [--app ID ...] [--force] [--timeout D]
                          a dry run: prints what a cycle would create, delete, re-grant and rotate,
                          changes nothing
  access-policy --app ID [--app ID ...]
                          the IAM policy an owner's role needs to read these apps' credentials (JSON)

Options (environment variable in brackets):
  --stack NAME                 the deployed stack, default Mint; its outputs name the rest   [MINT_STACK]
  --state-machine-arn ARN      instead of reading the stack output StateMachineArn          [MINT_STATE_MACHINE_ARN]
  --bucket NAME                instead of reading the stack output BucketName               [MINT_BUCKET]
  --key-arn ARN                instead of reading the stack output KeyArn (access-policy)   [MINT_KEY_ARN]
  --region REGION              the stack's region                                           [AWS_REGION]
  --cycles N                   how many cycles 'status' lists, default 5
  --timeout D                  how long run --wait, redrive --wait and plan follow an execution,
                               default ${DEFAULT_TIMEOUT} (90s, 15m, 2h); then they stop waiting (exit 3),
                               the execution goes on. Against a local endpoint (AWS_ENDPOINT_URL),
                               an execution still in its first state after 60s is moto's, which
                               never runs executions: they stop then (exit 3)
  --json                       machine-readable output on stdout
  -h, --help                   show this help

AWS credentials come from the standard chain (AWS_PROFILE, SSO, environment, instance role).
Exit codes: 0 ok, 1 failures present (a failed cycle or app), 2 usage, setup or access error,
3 stopped waiting (--timeout, or moto) while the execution still runs.
Emergency (a leaked credential): mint run --app ID --force --revoke-previous --wait`;

const COMMANDS = ['status', 'run', 'redrive', 'plan', 'access-policy'] as const;
type Command = (typeof COMMANDS)[number];

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  interactive: boolean;
  env: Record<string, string | undefined>;
  pollMs?: number;
  sleep?(ms: number): Promise<void>;
  now?(): Date;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      stack: { type: 'string' },
      'state-machine-arn': { type: 'string' },
      bucket: { type: 'string' },
      'key-arn': { type: 'string' },
      region: { type: 'string' },
      cycles: { type: 'string' },
      json: { type: 'boolean' },
      app: { type: 'string', multiple: true },
      force: { type: 'boolean' },
      'revoke-previous': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Parsed = ReturnType<typeof parse>;

/** Flags that belong to one command only: passing them elsewhere is a mistake worth naming. */
const ONLY = {
  cycles: ['status'],
  app: ['run', 'plan', 'access-policy'],
  force: ['run', 'plan'],
  'revoke-previous': ['run'],
  'dry-run': ['run'],
  wait: ['run', 'redrive'],
  timeout: ['run', 'redrive', 'plan'],
} as const satisfies Partial<Record<keyof Parsed['values'], readonly Command[]>>;

function checkFlags(command: Command, parsed: Parsed): void {
  for (const [flag, commands] of Object.entries(ONLY)) {
    if (
      parsed.values[flag as keyof typeof ONLY] !== undefined &&
      !(commands as readonly string[]).includes(command)
    ) {
      throw new CliError(
        `--${flag} does not apply to 'mint ${command}' (only to ${commands.map((c) => `'mint ${c}'`).join(', ')})`,
      );
    }
  }
  if (parsed.values.timeout !== undefined && command !== 'plan' && parsed.values.wait !== true) {
    throw new CliError(`--timeout is how long to wait: it needs --wait with 'mint ${command}'`);
  }
  const maxPositionals = command === 'status' || command === 'redrive' ? 2 : 1;
  if (parsed.positionals.length > maxPositionals) {
    throw new CliError(`unexpected argument '${parsed.positionals[maxPositionals]}' for 'mint ${command}'`);
  }
}

function cycleCount(text: string | undefined): number {
  if (text === undefined) return 5;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new CliError(`--cycles ${text}: expected a whole number from 1 to 100`);
  }
  return count;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `--timeout`: `90s`, `15m`, `2h`. */
export function parseTimeout(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([smh])$/.exec(text.trim());
  const ms = match?.[1] && match[2] ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
  if (!(ms >= 1000)) {
    throw new CliError(`--timeout ${text}: expected a duration of at least 1s, such as 90s, 15m or 2h`);
  }
  return ms;
}

/** AWS_ENDPOINT_URL(_SFN) when it points somewhere other than AWS: a local emulator such as moto. */
function localEndpoint(env: Record<string, string | undefined>): string | undefined {
  const endpoint = env.AWS_ENDPOINT_URL_SFN || env.AWS_ENDPOINT_URL;
  if (!endpoint) return undefined;
  try {
    return /(^|\.)amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname) ? undefined : endpoint;
  } catch {
    return endpoint;
  }
}

/** Runs one `mint` command; resolves to its exit code and never throws. */
export async function runMint(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`mint: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const command = parsed.positionals[0];
  if (parsed.values.help || command === undefined || command === 'help') {
    io.out(USAGE);
    return command === undefined && !parsed.values.help ? EXIT.usage : EXIT.ok;
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    io.err(`mint: unknown command '${command}'\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    const cmd = command as Command;
    checkFlags(cmd, parsed);
    const { values, positionals } = parsed;
    const timeoutMs = parseTimeout(values.timeout ?? DEFAULT_TIMEOUT);
    const emulator = localEndpoint(io.env);
    const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    const config = { ...clientConfig(io.env), ...(region ? { region } : {}) };
    const targets = await resolveTargets(
      {
        stack: values.stack ?? io.env.MINT_STACK ?? 'Mint',
        stateMachineArn: values['state-machine-arn'] ?? io.env.MINT_STATE_MACHINE_ARN,
        bucket: values.bucket ?? io.env.MINT_BUCKET,
        keyArn: values['key-arn'] ?? io.env.MINT_KEY_ARN,
        region,
      },
      cmd === 'access-policy' ? ['bucket', 'keyArn'] : ['stateMachineArn', 'bucket'],
      () => new CloudFormationClient(config),
    );
    const ctx: CliContext = {
      sfn: new SFNClient(config),
      bucket: new S3BucketStore(
        new S3Client({ ...config, forcePathStyle: Boolean(io.env.AWS_ENDPOINT_URL) }),
        targets.bucket,
      ),
      targets,
      json: values.json === true,
      out: (text) => io.out(text),
      err: (text) => io.err(text),
      interactive: io.interactive,
      pollMs: io.pollMs ?? 2000,
      timeoutMs,
      ...(emulator ? { localEndpoint: emulator } : {}),
      sleep: io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      now: io.now ?? (() => new Date()),
    };
    const request = {
      ...(values.app ? { apps: values.app } : {}),
      force: values.force === true,
      revokePrevious: values['revoke-previous'] === true,
    };
    switch (cmd) {
      case 'status':
        return await statusCommand(ctx, positionals[1], cycleCount(values.cycles));
      case 'run':
        return await runCommand(
          ctx,
          { ...request, dryRun: values['dry-run'] === true },
          values.wait === true,
        );
      case 'redrive':
        return await redriveCommand(ctx, positionals[1], values.wait === true);
      case 'plan':
        return await planCommand(ctx, request);
      case 'access-policy':
        return accessPolicyCommand(ctx, values.app ?? []);
    }
  } catch (error) {
    io.err(`mint: ${explainError(error)}\n`);
    return error instanceof CycleSkippedError ? EXIT.failures : EXIT.usage;
  }
}

export function runCli(): void {
  runMint(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(text),
    interactive: process.stderr.isTTY === true,
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
