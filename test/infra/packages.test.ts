import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ownerReadPolicy } from '../../lambdas/core/access-policies';

// The installable pieces as an application team gets them: built, packed with npm, unpacked into a
// project of their own. One file for everything that reads or writes packages/*/dist, so that no two
// jest workers rebuild it under each other.

const ROOT = join(__dirname, '..', '..');
const KEY_ARN = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

interface PackageJson {
  name: string;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

interface Packed {
  dir: string;
  manifest: PackageJson;
}

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result;
}

/** Every file a manifest points to: main, types, bin and each export target. */
function entryFiles(manifest: PackageJson): string[] {
  const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin ?? {})];
  for (const target of Object.values(manifest.exports ?? {})) {
    targets.push(...(typeof target === 'string' ? [target] : Object.values(target)));
  }
  return targets.filter((t): t is string => t !== undefined).map((t) => t.replace(/^\.\//, ''));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(cjs|d\.ts)$/.test(f));
}

/** The module specifiers a built file loads: `require(...)` in JavaScript, `from '...'` in declarations. */
function specifiers(source: string): string[] {
  const found = [...source.matchAll(/require\("([^"]+)"\)|from '([^']+)'|import\("([^"]+)"\)/g)];
  return found.map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** The package a bare specifier names: `@aws-sdk/client-s3/x` is `@aws-sdk/client-s3`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

describe('the installable packages', () => {
  const work = mkdtempSync(join(tmpdir(), 'mint-packages-'));
  const packed = new Map<string, Packed>();

  beforeAll(() => {
    const build = spawnSync(process.execPath, ['packages/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    // --ignore-scripts: prepack would run the build just done again.
    const pack = run(
      'npm',
      [
        'pack',
        '--json',
        '--ignore-scripts',
        '--pack-destination',
        work,
        '-w',
        '@mint/agent',
        '-w',
        '@mint/owner',
      ],
      ROOT,
    );
    // An application's own project: the tarballs unpacked into its node_modules, next to the packages it
    // already has (linked from this checkout's, so that no test needs the registry).
    const modules = join(work, 'app', 'node_modules');
    for (const { name, filename } of JSON.parse(pack.stdout) as { name: string; filename: string }[]) {
      const dir = join(modules, name);
      mkdirSync(dir, { recursive: true });
      run('tar', ['-xzf', join(work, filename), '-C', dir, '--strip-components=1'], work);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
      packed.set(name, { dir, manifest });
    }
    for (const name of ['aws-cdk-lib', 'constructs', '@aws-sdk/client-s3', '@aws-sdk/client-sts', 'zod']) {
      mkdirSync(dirname(join(modules, name)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
    }
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const agent = () => packed.get('@mint/agent') as Packed;
  const owner = () => packed.get('@mint/owner') as Packed;

  it('@mint/agent depends on the S3 and STS clients and zod only: no CDK, cdk-nag, middy or Powertools', () => {
    expect(Object.keys(agent().manifest.dependencies ?? {}).sort()).toEqual([
      '@aws-sdk/client-s3',
      '@aws-sdk/client-sts',
      'zod',
    ]);
    expect(agent().manifest.peerDependencies).toBeUndefined();
    expect(agent().manifest.optionalDependencies).toBeUndefined();
  });

  it('@mint/owner depends on nothing but the CDK its user already has (peer dependencies)', () => {
    expect(owner().manifest.dependencies).toBeUndefined();
    expect(Object.keys(owner().manifest.peerDependencies ?? {}).sort()).toEqual([
      'aws-cdk-lib',
      'constructs',
    ]);
  });

  it.each(['@mint/agent', '@mint/owner'])(
    '%s holds every file it points to and loads nothing from outside itself',
    (name) => {
      const { dir, manifest } = packed.get(name) as Packed;
      for (const file of entryFiles(manifest)) expect(existsSync(join(dir, file))).toBe(true);
      const declared = new Set([
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      const problems: string[] = [];
      for (const file of filesUnder(join(dir, 'dist'))) {
        const path = join(dir, 'dist', file);
        for (const specifier of specifiers(readFileSync(path, 'utf8'))) {
          if (specifier.startsWith('.')) {
            const target = resolve(dirname(path), specifier);
            const inside = !relative(dir, target).startsWith('..');
            const exists = ['', '.d.ts', '.cjs', '.js'].some((ext) => existsSync(target + ext));
            if (!inside || !exists) problems.push(`${file}: ${specifier}`);
          } else if (!isBuiltin(specifier) && !declared.has(packageOf(specifier))) {
            problems.push(`${file}: ${specifier} (not a dependency)`);
          }
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it('an application project synthesizes MintCredentialsReader from the packed @mint/owner with plain Node', () => {
    const script = `
      const { App, Stack } = require('aws-cdk-lib');
      const iam = require('aws-cdk-lib/aws-iam');
      const { MintCredentialsReader } = require('@mint/owner');
      const stack = new Stack(new App(), 'Orders');
      const role = new iam.Role(stack, 'Task', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      new MintCredentialsReader(stack, 'Mint', { bucketName: 'mint-secrets', keyArn: '${KEY_ARN}', appIds: ['orders', 'billing'], grantee: role });
      const template = require('aws-cdk-lib/assertions').Template.fromStack(stack).toJSON();
      const policy = Object.values(template.Resources).find((r) => r.Type === 'AWS::IAM::Policy');
      process.stdout.write(JSON.stringify(policy.Properties.PolicyDocument.Statement));`;
    const result = run(process.execPath, ['-e', script], join(work, 'app'));
    expect(JSON.parse(result.stdout)).toEqual(
      ownerReadPolicy({
        bucketName: 'mint-secrets',
        keyArn: KEY_ARN,
        region: 'eu-central-1',
        appIds: ['orders', 'billing'],
      }).Statement,
    );
  });

  it('an application project loads the packed @mint/agent library and runs its mint-agent', () => {
    const library = run(
      process.execPath,
      [
        '-e',
        "const a=require('@mint/agent');process.stdout.write(typeof a.CredentialsWatcher+' '+typeof a.loadCredentials)",
      ],
      join(work, 'app'),
    );
    expect(library.stdout).toBe('function function');
    const bin = join(agent().dir, agent().manifest.bin?.['mint-agent'] ?? 'missing');
    const help = run(process.execPath, [bin, '--help'], join(work, 'app'));
    expect(help.stdout).toMatch(/^Usage: mint-agent --bucket BUCKET --app APP_ID/);
  });

  it('the standalone dist/mint-agent.cjs runs with plain Node, nothing installed beside it', () => {
    const alone = join(work, 'alone');
    mkdirSync(alone);
    const help = run(process.execPath, [join(ROOT, 'dist', 'mint-agent.cjs'), '--help'], alone);
    expect(help.stdout).toMatch(/^Usage: mint-agent --bucket BUCKET --app APP_ID/);
    const usage = spawnSync(process.execPath, [join(ROOT, 'dist', 'mint-agent.cjs')], {
      cwd: alone,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(usage.status).toBe(2);
  });

  it('resolves both packages by name from this checkout (npm workspaces) and builds the construct into a stack', () => {
    expect(require.resolve('@mint/owner', { paths: [ROOT] })).toBe(
      join(ROOT, 'packages', 'owner', 'dist', 'index.cjs'),
    );
    expect(require.resolve('@mint/agent', { paths: [ROOT] })).toBe(
      join(ROOT, 'packages', 'agent', 'dist', 'index.cjs'),
    );
    // Loaded after the build above, by the name an owner writes.
    const { MintCredentialsReader } = require('@mint/owner') as typeof import('@mint/owner');
    const stack = new Stack(new App(), 'OrdersService');
    const role = new iam.Role(stack, 'TaskRole', { assumedBy: new iam.AccountRootPrincipal() });
    new MintCredentialsReader(stack, 'MintCredentials', {
      bucketName: 'mint-secrets',
      keyArn: KEY_ARN,
      appIds: ['orders'],
      grantee: role,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Sid: 'ReadMintCredentials' }, { Sid: 'DecryptMintCredentialsThroughS3' }],
      },
    });
  });
});
