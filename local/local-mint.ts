import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Template } from 'aws-cdk-lib/assertions';
import { type SettingValues, tunableSettings } from '../lambdas/contracts/settings';
import { assertCognitoClientSecrets, localTokenEndpoint, provisionUserPool } from './cognito-pool';
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
  /**
   * Where service users live (default `iam`). `cognito`: a user pool is created in moto (Mint's custom
   * attributes, a resource server per scope) and the functions get the Cognito store's settings.
   */
  identityStore?: IdentityStoreKind;
}

export type IdentityStoreKind = SettingValues['identityStore'];

/** Variables only the IAM store reads: the functions of a Cognito deployment do not get them. */
const IAM_ONLY_VARIABLES = ['MINT_BOUNDARY_ARN', 'MINT_SERVICE_USER_GROUP'];

export interface LocalMint {
  endpoint: string;
  kioUrl: string;
  /** The Kio stub, when this run started one. */
  kio?: KioStub;
  bucket: string;
  /** IAM store: the boundary every service user gets (created even for Cognito, where it goes unused). */
  boundaryArn: string;
  identityStore: IdentityStoreKind;
  template: Template;
  definition: Record<string, unknown>;
  /**
   * The Lambda environment the stack would deploy, with the local names of its bucket and boundary; for
   * Cognito, with the local pool's id and token endpoint (updated in place by `reset`, which makes a new
   * pool).
   */
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
    const context = { ...cdkJsonContext(), ...options.context };
    const { template } = synthMint({
      ...context,
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
    const identityStore = options.identityStore ?? 'iam';
    const boundaryArn = env.MINT_BOUNDARY_ARN ?? '';
    // The synthesized stack is the IAM store's; for Cognito the local pool stands in for the one the
    // stack would create, and the functions get that store's settings instead of IAM's.
    const oauthScopes = tunableSettings.oauthScopes.parse(
      options.env?.MINT_OAUTH_SCOPES || env.MINT_OAUTH_SCOPES || context['mint:oauthScopes'],
    );
    const cognitoEnvironment = async (): Promise<Record<string, string>> => {
      const userPoolId = await provisionUserPool(oauthScopes);
      return {
        MINT_IDENTITY_STORE: 'cognito',
        MINT_USER_POOL_ID: userPoolId,
        MINT_OAUTH_SCOPES: oauthScopes,
        MINT_TOKEN_ENDPOINT: localTokenEndpoint(endpoint),
      };
    };
    let storeEnvironment: Record<string, string> = {};
    if (identityStore === 'cognito') {
      for (const name of IAM_ONLY_VARIABLES) delete env[name];
      storeEnvironment = await cognitoEnvironment();
      await assertCognitoClientSecrets(storeEnvironment.MINT_USER_POOL_ID ?? '', endpoint);
    } else if (env.MINT_BOUNDARY_ARN) {
      await assertUserPermissionsBoundaries(env.MINT_BOUNDARY_ARN, endpoint);
    }
    // The guard asks Step Functions, which does not run here; each local cycle runs to completion anyway.
    const environment: Record<string, string> = {
      ...env,
      MINT_CYCLE_GUARD: 'off',
      ...options.env,
      ...storeEnvironment,
    };
    const target = { endpoint, region: process.env.AWS_REGION ?? LOCAL_REGION };
    const definition = renderDefinition(template);
    return {
      endpoint,
      kioUrl,
      kio,
      bucket: env.MINT_BUCKET ?? '',
      boundaryArn,
      identityStore,
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
        if (identityStore === 'cognito') Object.assign(environment, await cognitoEnvironment());
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
