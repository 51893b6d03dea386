// The SDK's notice that its 2027 releases need Node.js 22 is in the README; not on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createAwsClients } from '../lambdas/adapters/aws-clients';
import { S3BucketStore } from '../lambdas/adapters/bucket-store';
import { readAllSettings } from '../lambdas/contracts/settings';
import { OWNERS_KEY } from '../lambdas/core/owners';
import { EmulatorUnsupportedError } from './emulator';
import type { CycleRun } from './engine';
import { inventoryStoreOf, takeInventory } from './inventory';
import { type LocalMint, startLocalMint } from './local-mint';
import { MotoMissingError } from './moto';
import { type LocalArgs, parseLocalArgs, USAGE, UsageError } from './options';
import { capturingOutput } from './output';
import { type CycleSummary, formatSummary, summarizeCycle } from './summary';

// Bound before any capture starts: the summary goes to stdout, problems to stderr.
const stdoutWrite = process.stdout.write.bind(process.stdout);
const stderrWrite = process.stderr.write.bind(process.stderr);
const print = (text: string) => stdoutWrite(`${text}\n`);
const complain = (text: string) => stderrWrite(`${text}\n`);

async function runCycles(mint: LocalMint, args: LocalArgs, outDir: string): Promise<CycleSummary[]> {
  const summaries: CycleSummary[] = [];
  let offset = args.clockOffsetMs;
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  for (let i = 1; i <= args.cycles; i++) {
    if (i > 1) offset += args.advanceMs[Math.min(i - 2, args.advanceMs.length - 1)] ?? 0;
    const clockOffset = offset;
    const now = () => new Date(Date.now() + clockOffset);
    const name = `local-${runId}-${i}`;
    const { result: run, lines } = await capturingOutput<CycleRun>(args.verbose, () =>
      mint.cycle(args.input, { name, now }),
    );
    writeFileSync(join(outDir, `${name}.log`), lines);
    const summary = summarizeCycle(run);
    summaries.push(summary);
    if (clockOffset !== 0)
      print(
        `clock: ${now().toISOString()} (real time ${clockOffset >= 0 ? '+' : ''}${Math.round(clockOffset / 1000)} s)`,
      );
    print(formatSummary(summary, args.identityStore));
  }
  return summaries;
}

export async function main(argv: string[]): Promise<number> {
  let args: LocalArgs;
  try {
    args = parseLocalArgs(argv, process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      complain(error.message);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    print(USAGE);
    return 0;
  }
  const started = performance.now();
  const apps = args.kioUrl ? undefined : (args.apps ?? (await import('./sample-apps.json')).default);
  const outDir = resolve(args.outDir);
  mkdirSync(outDir, { recursive: true });
  let mint: LocalMint;
  try {
    mint = await startLocalMint({
      kioUrl: args.kioUrl,
      apps,
      endpoint: args.endpoint,
      identityStore: args.identityStore,
    });
  } catch (error) {
    if (error instanceof MotoMissingError || error instanceof EmulatorUnsupportedError) {
      complain(error.message);
      return 2;
    }
    complain(`could not start the local environment: ${(error as Error).message}`);
    return 2;
  }
  const stopOnSignal = () => {
    void mint.stop().then(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    print(`AWS: ${mint.endpoint}${args.endpoint ? '' : ' (moto, started for this run)'}`);
    print(`Kio: ${mint.kioUrl}${mint.kio ? ` (stub serving ${apps?.length ?? 0} apps)` : ''}`);
    const cognito = mint.identityStore === 'cognito';
    const userPoolId = mint.environment.MINT_USER_POOL_ID ?? '';
    if (cognito)
      print(
        `identity store: cognito, user pool ${userPoolId}, token endpoint ${mint.environment.MINT_TOKEN_ENDPOINT}`,
      );
    print(`bucket: s3://${mint.bucket}\n`);
    if (args.owners !== undefined) {
      const clients = createAwsClients(readAllSettings(mint.environment), { endpoint: mint.endpoint });
      await new S3BucketStore(clients.s3(), mint.bucket).putJson(OWNERS_KEY, args.owners);
      print(`owner mapping: s3://${mint.bucket}/${OWNERS_KEY}\n`);
    }
    const summaries = await runCycles(mint, args, outDir);
    const inventory = await takeInventory(mint.bucket, inventoryStoreOf(mint.environment));
    writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summaries, null, 2)}\n`);
    writeFileSync(join(outDir, 'inventory.json'), `${JSON.stringify(inventory, null, 2)}\n`);
    const published = inventory.objects.filter(
      (o) => o.key.endsWith('/credentials.json') && !o.key.startsWith('_mint/'),
    );
    const failed = summaries.filter((s) => s.status !== 'SUCCEEDED' || s.failures.length > 0).length;
    const where = relative(process.cwd(), outDir) || '.';
    print(
      `\n${summaries.length} cycle(s), ${failed} with failures, in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
    print(
      `${inventory.users.length} service users${cognito ? ` (each a user and an app client in ${userPoolId})` : ''}; ${published.length} credentials files in s3://${mint.bucket}/.`,
    );
    print(
      `Look at: ${where}/summary.json (per cycle), ${where}/inventory.json (users, ${cognito ? 'client ids, secret ids' : 'key ids'}, object versions),`,
    );
    print(
      `         ${where}/<cycle>.log (handler logs and EMF metrics). Secret values are never written there.`,
    );
    if (args.keepRunning) {
      print(`\nmoto keeps running at ${mint.endpoint}; for example:`);
      print(
        `  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --endpoint-url ${mint.endpoint} s3 ls s3://${mint.bucket} --recursive`,
      );
      if (cognito)
        print(
          `  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --endpoint-url ${mint.endpoint} --region ${process.env.AWS_REGION} cognito-idp list-users --user-pool-id ${userPoolId}`,
        );
      const stateMachineArn = await mint.registerStateMachine();
      print(
        `  AWS_ENDPOINT_URL=${mint.endpoint} AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=${process.env.AWS_REGION} npx mint status --bucket ${mint.bucket} --state-machine-arn ${stateMachineArn}`,
      );
      print('Press Ctrl-C to stop it.');
      await new Promise(() => undefined);
    }
    return failed === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await mint.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      complain(`npm run local failed: ${error instanceof Error ? error.stack : String(error)}`);
      process.exit(2);
    },
  );
}
