import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tunableSettings } from '../lambdas/contracts/settings';
import { parseOwnerMapping } from '../lambdas/core/owners';
import type { IdentityStoreKind } from './local-mint';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: npm run local -- [options]

Runs Mint's synthesized state machine on this machine: a moto server stands in for AWS, a stub for Kio.
Nothing is deployed and nothing reaches AWS.

Options:
  --apps FILE        JSON array of Kio apps for the stub to serve (default: local/sample-apps.json)
  --kio-url URL      read apps from this Kio instead of the stub (env KIO_URL)
  --identity-store S where service users live: iam (default; users with access keys) or cognito (a user
                     pool in moto, each app a user and an app client whose secret rotates)
  --owners FILE      an owner mapping ({"teams": {...}, "apps": {...}}) stored as _mint/owners.json
                     before the first cycle, to see reader tags granted and moved
  --cycles N         run N cycles back to back (default 1)
  --now TIME         the clock of the first cycle: an ISO time, or +DURATION from now (e.g. +25h)
  --advance D[,D...]  move the clock forward before each further cycle: 31d, or 31d,25h for a
                     rotation then a retirement (the last duration repeats)
  --input JSON       the execution input, e.g. '{"apps":["orders"],"force":true}'
  --out DIR          where to write logs, reports and the inventory (default .mint-local)
  --keep-running     leave moto running after the cycles, until Ctrl-C, to inspect it
  --verbose          print the handlers' JSON logs instead of only saving them
  -h, --help         show this help

Environment:
  AWS_ENDPOINT_URL   use this running endpoint; no moto is started. It must keep IAM user permissions
                     boundaries (checked at set-up, exit 2 otherwise): plain moto_server does not,
                     python3 local/moto_server.py -H 127.0.0.1 -p 5000 does
  MOTO_PYTHON        the Python that has moto installed (default: python3)`;

export interface LocalArgs {
  help: boolean;
  apps?: unknown[];
  kioUrl?: string;
  /** The owner mapping to store as `_mint/owners.json`, already validated. */
  owners?: unknown;
  endpoint?: string;
  identityStore: IdentityStoreKind;
  cycles: number;
  /** Offset of the handlers' clock from real time for the first cycle, in ms. */
  clockOffsetMs: number;
  /** Clock steps before the 2nd, 3rd, ... cycle; the last one repeats. */
  advanceMs: number[];
  input: unknown;
  outDir: string;
  keepRunning: boolean;
  verbose: boolean;
}

const IDENTITY_STORES = tunableSettings.identityStore.removeDefault().options;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `15m`, `25h`, `31d`. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (!match?.[1] || !match[2]) {
    throw new UsageError(`${flag} ${text}: expected a duration such as 90s, 15m, 25h or 31d`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `--now`: an absolute ISO time, or `+DURATION` from the real clock. Returns the offset in ms. */
export function parseClock(text: string, realNow: number): number {
  if (text.startsWith('+')) return parseDuration(text.slice(1), '--now');
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    throw new UsageError(
      `--now ${text}: expected an ISO time such as 2027-01-31T12:00:00Z, or +DURATION such as +25h`,
    );
  }
  return at - realNow;
}

export function parseLocalArgs(
  argv: string[],
  env: Record<string, string | undefined>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  realNow = Date.now(),
): LocalArgs {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const cycles = values.cycles === undefined ? 1 : Number(values.cycles);
  if (!Number.isInteger(cycles) || cycles < 1 || cycles > 1000) {
    throw new UsageError(`--cycles ${values.cycles}: expected a whole number from 1 to 1000`);
  }
  const identityStore = values['identity-store'] ?? 'iam';
  if (!isIdentityStore(identityStore)) {
    throw new UsageError(`--identity-store ${identityStore}: expected ${IDENTITY_STORES.join(' or ')}`);
  }
  let apps: unknown[] | undefined;
  if (values.apps !== undefined) {
    let text: string;
    try {
      text = readFile(values.apps);
    } catch (error) {
      throw new UsageError(
        `--apps ${values.apps}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`--apps ${values.apps}: not valid JSON; expected an array of Kio apps`);
    }
    if (!Array.isArray(parsed)) {
      throw new UsageError(
        `--apps ${values.apps}: expected a JSON array of Kio apps, like GET /apps returns`,
      );
    }
    apps = parsed;
  }
  let owners: unknown;
  if (values.owners !== undefined) {
    try {
      owners = JSON.parse(readFile(values.owners));
      parseOwnerMapping(owners);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(`--owners ${values.owners}: ${reason}`);
    }
  }
  let input: unknown = {};
  if (values.input !== undefined) {
    try {
      input = JSON.parse(values.input);
    } catch {
      throw new UsageError(`--input is not valid JSON: ${values.input}`);
    }
  }
  // An empty variable means unset, as shells and CI systems often export empty values.
  const kioUrl = values['kio-url'] || env.KIO_URL || undefined;
  if (kioUrl !== undefined && apps !== undefined) {
    throw new UsageError(
      '--apps feeds the built-in Kio stub; it cannot be combined with --kio-url / KIO_URL',
    );
  }
  return {
    help: values.help === true,
    apps,
    kioUrl,
    ...(owners !== undefined ? { owners } : {}),
    endpoint: env.AWS_ENDPOINT_URL || undefined,
    identityStore,
    cycles,
    clockOffsetMs: values.now === undefined ? 0 : parseClock(values.now, realNow),
    advanceMs:
      values.advance === undefined
        ? [0]
        : values.advance.split(',').map((d) => parseDuration(d, '--advance')),
    input,
    outDir: values.out ?? '.mint-local',
    keepRunning: values['keep-running'] === true,
    verbose: values.verbose === true,
  };
}

function isIdentityStore(name: string): name is IdentityStoreKind {
  return (IDENTITY_STORES as readonly string[]).includes(name);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      apps: { type: 'string' },
      'kio-url': { type: 'string' },
      'identity-store': { type: 'string' },
      owners: { type: 'string' },
      cycles: { type: 'string' },
      now: { type: 'string' },
      advance: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      'keep-running': { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
