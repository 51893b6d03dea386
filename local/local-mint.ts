import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Template } from 'aws-cdk-lib/assertions';
import { assertUserPermissionsBoundaries } from './emulator';
import { type CycleRun, provisionResource, type RunCycleOptions, runCycle } from './engine';
import { type KioStub, startKioStub } from './kio-stub';
import { resetMoto, startMoto } from './moto';
import {
  cdkJsonContext,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  lambdaEnvironment,
  type ReferencedResource,
  renderDefinition,
  synthMint,
} from './stack';

export interface LocalMintOptions {
  /** A Kio to read instead of the built-in stub. */
  kioUrl?: string;
  /** The apps the Kio stub serves (ignored with `kioUrl`). */
  apps?: unknown[];
  /** An AWS-compatible endpoint that is already running; without it a moto server is started. */
  endpoint?: string;
  /** CDK context on top of cdk.json's, such as `mint:batchSize`. */
  context?: Record<string, unknown>;
  /** Extra environment for the handlers, on top of what the synthesized functions carry. */
  env?: Record<string, string>;
}

export interface LocalMint {
  endpoint: string;
  kioUrl: string;
  /** The Kio stub, when this run started one. */
  kio?: KioStub;
  bucket: string;
  boundaryArn: string;
  template: Template;
  definition: Record<string, unknown>;
  /** The Lambda environment the stack would deploy, with the local names of its bucket and boundary. */
  environment: Record<string, string>;
  /** Executes one cycle of the synthesized state machine. */
  cycle(input?: unknown, options?: Partial<RunCycleOptions>): Promise<CycleRun>;
  /**
   * Registers the definition with the endpoint's Step Functions API (moto records executions but does
   * not run them), so `npx mint` has a state machine to list and start; returns its ARN.
   */
  registerStateMachine(): Promise<string>;
  /** Empties the moto account and creates the bucket and boundary again: a clean slate for a test. */
  reset(): Promise<void>;
  /** Stops what this run started and restores the process environment. */
  stop(): Promise<void>;
}

const REMOTE_AWS = /(^|\.)amazonaws\.com(\.cn)?$/;

/** Refuses a real AWS endpoint: the local runner creates users and writes secrets wherever it points. */
export function assertLocalEndpoint(endpoint: string): void {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    throw new Error(
      `AWS_ENDPOINT_URL=${endpoint} is not a URL; use http://127.0.0.1:<port> of a moto server`,
    );
  }
  if (REMOTE_AWS.test(host)) {
    throw new Error(
      `AWS_ENDPOINT_URL=${endpoint} is real AWS. The local runner only talks to local endpoints such as moto; deploy with 'npx cdk deploy' instead.`,
    );
  }
}

/**
 * Everything a Mint cycle needs on one machine: AWS (a moto server, or the endpoint given), Kio (a stub,
 * or the URL given), the synthesized definition and the Lambda environment the stack would deploy with,
 * its bucket and boundary created in the local account, and the endpoint checked for the IAM user
 * permissions boundaries Mint needs (an EmulatorUnsupportedError otherwise). The guard against concurrent cycles is off: it
 * asks Step Functions, which does not exist here, and each local cycle runs to completion anyway.
 */
export async function startLocalMint(options: LocalMintOptions = {}): Promise<LocalMint> {
  const stops: (() => Promise<void>)[] = [];
  const savedEnv = { ...process.env };
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne();
    stops.length = 0;
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  };
  try {
    let endpoint = options.endpoint;
    if (endpoint) assertLocalEndpoint(endpoint);
    else {
      const moto = await startMoto();
      stops.push(moto.stop);
      endpoint = moto.url;
    }
    let kio: KioStub | undefined;
    let kioUrl = options.kioUrl;
    if (!kioUrl) {
      kio = await startKioStub(options.apps ?? []);
      stops.push(kio.close);
      kioUrl = kio.url;
    }
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: process.env.AWS_REGION ?? LOCAL_REGION,
      // moto accepts any credentials; these keep the SDK from looking for real ones.
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'mint-local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'mint-local',
    });
    const { template } = synthMint({
      ...cdkJsonContext(),
      ...options.context,
      'mint:kioUrl': kioUrl,
      // The stub needs no token; a configured Secrets Manager secret would not exist locally.
      ...(kio ? { 'mint:kioTokenSecretName': undefined } : {}),
    });
    // First pass: which resources the environment refers to; second: the same with their local names.
    const references = new Map<string, ReferencedResource>();
    lambdaEnvironment(template, (resource) => {
      references.set(resource.logicalId, resource);
      return resource.logicalId;
    });
    const resolved = new Map<string, string>();
    const provision = async () => {
      for (const [logicalId, resource] of references)
        resolved.set(logicalId, await provisionResource(resource));
    };
    await provision();
    const env = lambdaEnvironment(template, (resource) => resolved.get(resource.logicalId) ?? '');
    if (env.MINT_BOUNDARY_ARN) await assertUserPermissionsBoundaries(env.MINT_BOUNDARY_ARN, endpoint);
    // The guard asks Step Functions, which does not run here; each local cycle runs to completion anyway.
    const environment = { ...env, MINT_CYCLE_GUARD: 'off', ...options.env };
    const target = { endpoint, region: process.env.AWS_REGION ?? LOCAL_REGION };
    const definition = renderDefinition(template);
    return {
      endpoint,
      kioUrl,
      kio,
      bucket: env.MINT_BUCKET ?? '',
      boundaryArn: env.MINT_BOUNDARY_ARN ?? '',
      template,
      definition,
      environment,
      cycle: (input = {}, cycleOptions = {}) =>
        runCycle(definition, input, { environment, target, ...cycleOptions }),
      registerStateMachine: async () => {
        const sfn = new SFNClient({ endpoint, region: process.env.AWS_REGION });
        try {
          const created = await sfn.send(
            new CreateStateMachineCommand({
              name: 'MintCycle',
              definition: JSON.stringify(definition),
              roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/mint-cycle`,
            }),
          );
          return created.stateMachineArn ?? '';
        } finally {
          sfn.destroy();
        }
      },
      reset: async () => {
        await resetMoto(endpoint);
        await provision();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
