import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadMintConfig } from '../lib/config';
import { MintStack } from '../lib/mint-stack';
import { cdkJsonContext, LOCAL_ACCOUNT, LOCAL_REGION } from '../local/stack';

export interface BundleMeasurement {
  function: string;
  /** index.js as uploaded: minified, without @aws-sdk/* (provided by the runtime). */
  bytes: number;
  /** Median of `loads` fresh Node processes each requiring the bundle once (module load only, no handler call). */
  loadMsMedian: number;
  loads: number;
}

/**
 * Synthesizes the stack with its real bundling (esbuild, minified, as `cdk deploy` uploads it) and
 * measures each function's bundle: its size, and how long a fresh Node process takes to load it,
 * which is the part of a cold start Mint's code controls.
 */
export function measureBundles(loads = 5): BundleMeasurement[] {
  const outdir = mkdtempSync(join(tmpdir(), 'mint-bench-'));
  try {
    const context = { ...cdkJsonContext() };
    const app = new App({ outdir, context });
    const stack = new MintStack(app, 'Mint', {
      config: loadMintConfig(context),
      env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION },
    });
    const template = Template.fromStack(stack);
    app.synth();
    const results: BundleMeasurement[] = [];
    for (const [logicalId, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
      const s3Key = String((fn.Properties?.Code as { S3Key?: string } | undefined)?.S3Key ?? '');
      const bundle = join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.js');
      const times: number[] = [];
      for (let i = 0; i < loads; i++) {
        const result = spawnSync(
          process.execPath,
          [
            '-e',
            `const t=performance.now();require(${JSON.stringify(bundle)});process.stdout.write(String(performance.now()-t))`,
          ],
          {
            encoding: 'utf8',
            // The Node.js 22 runtime provides @aws-sdk/* (CDK leaves it out of the bundle); locally it
            // comes from this repository's node_modules, so the measured load includes the SDK's.
            env: {
              PATH: process.env.PATH ?? '',
              AWS_REGION: LOCAL_REGION,
              NODE_PATH: join(__dirname, '..', 'node_modules'),
            },
          },
        );
        if (result.status !== 0) throw new Error(`loading ${bundle} failed: ${result.stderr}`);
        times.push(Number(result.stdout));
      }
      times.sort((a, b) => a - b);
      results.push({
        function: logicalId.replace(/^Rotation/, '').replace(/Fn[0-9A-F]{8}$/, ''),
        bytes: statSync(bundle).size,
        loadMsMedian: times[Math.floor(times.length / 2)] ?? 0,
        loads,
      });
    }
    return results;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
