/**
 * The workflow tier runs the synthesized definition with the same engine as `npm run local`, against
 * the FakeAws double instead of moto.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import {
  type CycleRun,
  currentTask,
  LOCAL_STATE_MACHINE_ARN,
  localBucketName,
  type RunCycleOptions,
  runCycle as runLocalCycle,
} from '../../local/engine';
import { FakeAws, type FakeAwsOptions } from '../../local/in-memory-aws/fake-aws';
import { startKioStub } from '../../local/kio-stub';
import { LOCAL_ACCOUNT, LOCAL_REGION, renderDefinition, synthMint } from '../../local/stack';
import { Authorizer } from './authorization/authorizer';
import type { AwsWorld } from './authorization/sdk-permissions';
import { DeployedTemplate, taskFunctions } from './authorization/template-policies';

export type { CycleRun };

/**
 * The Lambda environment the next cycles run with: what the stack would deploy, set per test by
 * `useLambdaEnvironment` (or `workflowTier`), changed in place by a test that needs another setting.
 */
let environment: Record<string, string | undefined> = {};

export function useLambdaEnvironment(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  environment = { ...env };
  return environment;
}

/**
 * Holds what the handlers write to stdout (JSON logs, EMF metrics) for the test to read: a passing test
 * stays quiet, and a leak test can search it. `restore` gives stdout back.
 */
export function captureStdout(): { logged: string[]; restore(): void } {
  const logged: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logged.push(String(chunk));
    return true;
  });
  return { logged, restore: () => spy.mockRestore() };
}

/** Executes the definition locally with this test's Lambda environment. */
export function runCycle(
  definition: Record<string, unknown>,
  input: unknown = {},
  options: Partial<RunCycleOptions> = {},
): Promise<CycleRun> {
  return runLocalCycle(definition, input, { environment, ...options });
}
export { renderDefinition, startKioStub, synthMint };

/** The Lambda environment for FakeAws, whose account and names are fixed. */
export function lambdaEnv(kioUrl: string) {
  return {
    MINT_BUCKET: 'mint-secrets',
    MINT_USER_PATH: '/mint/',
    MINT_BOUNDARY_ARN: 'arn:aws:iam::111111111111:policy/mint-deny-all',
    MINT_KIO_URL: kioUrl,
    MINT_BATCH_SIZE: '2',
    // One attempt per call: an injected failure is what the step sees. The call policy's own retries
    // are tested on their own (test/unit/call-policy.test.ts) and in the benchmark's throttled runs.
    MINT_AWS_MAX_ATTEMPTS: '1',
  };
}

type TemplateJson = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/**
 * The synthesized template as deployed into FakeAws's account: the secrets bucket and the boundary get
 * the names `lambdaEnv` gives the handlers, the state machine the ARN the local engine uses.
 */
export function deployedTemplate(template: Template | TemplateJson): DeployedTemplate {
  const json = ('toJSON' in template ? template.toJSON() : template) as TemplateJson;
  const env = lambdaEnv('');
  const referenced = (variable: string) => {
    for (const resource of Object.values(json.Resources ?? {})) {
      const value = (
        resource.Properties?.Environment as { Variables?: Record<string, { Ref?: string }> } | undefined
      )?.Variables?.[variable];
      if (value?.Ref) return value.Ref;
    }
    return undefined;
  };
  const bucketId = referenced('MINT_BUCKET');
  if (!bucketId) throw new Error("no function's MINT_BUCKET refers to a resource");
  // With the Cognito store there is no boundary.
  const boundaryId = referenced('MINT_BOUNDARY_ARN');
  return new DeployedTemplate(json, {
    account: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    bucketName: (id) => (id === bucketId ? env.MINT_BUCKET : localBucketName(id)),
    managedPolicyArn: (id) =>
      id === boundaryId ? env.MINT_BOUNDARY_ARN : `arn:aws:iam::${LOCAL_ACCOUNT}:policy/${id}`,
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
  });
}

/** FakeAws's state, as the authorization table needs to see it. */
export function fakeAwsWorld(aws: FakeAws, template: DeployedTemplate): AwsWorld {
  return {
    account: aws.account,
    region: LOCAL_REGION,
    bucketKeyArn: (bucket) => template.bucketKeyArn(bucket),
    user: (name) => {
      const user = aws.users.get(name);
      return user ? { path: user.path, tags: { ...user.tags } } : undefined;
    },
    object: (_bucket, key) =>
      aws.object(key) === undefined ? undefined : { tags: { ...aws.objectTags.get(key) } },
  };
}

/**
 * A FakeAws that refuses what the deployed policies refuse: each call a handler makes is evaluated as
 * the role of the function its workflow state invokes, and a refused call fails with AWS's AccessDenied.
 * Calls made outside any task (a test seeding state) are the test's own and not evaluated.
 */
export function enforcingFakeAws(
  template: Template,
  definition: Record<string, unknown>,
  authorizer = new Authorizer(deployedTemplate(template)),
  options: FakeAwsOptions = {},
): { aws: FakeAws; authorizer: Authorizer } {
  const functions = taskFunctions(definition);
  const deployed = authorizer.template;
  const aws: FakeAws = new FakeAws({
    ...options,
    authorize: async (call, fake) => {
      const state = currentTask.getStore()?.state;
      if (state === undefined) return;
      const fn = functions[state];
      if (!fn) throw new Error(`state ${state} invokes no Lambda function in the definition`);
      await authorizer.authorize(state, deployed.functionRole(fn), call, fakeAwsWorld(fake, deployed));
    },
  });
  return { aws, authorizer };
}

/** The calls the deployed policies refused, one line each: what an afterEach reports. */
export function refusals(authorizer: Authorizer): string[] {
  return authorizer.evaluations
    .filter((e) => e.decision !== 'Allowed')
    .map((e) => `${e.caller} ${e.call}: ${e.request.action} on ${e.request.resource} → ${e.decision}`);
}

export interface WorkflowTier {
  template: Template;
  definition: Record<string, unknown>;
  /** This test's in-memory AWS, enforcing the deployed policies. */
  readonly aws: FakeAws;
  readonly authorizer: Authorizer;
  readonly kio: KioStub;
  /** What the handlers wrote to stdout in this test (logs and EMF), kept out of the test output. */
  readonly logged: string[];
  /** This test's Lambda environment; a test may change a setting in it before its next cycle. */
  readonly environment: Record<string, string | undefined>;
}

type KioStub = Awaited<ReturnType<typeof startKioStub>>;

/**
 * The workflow tier's set-up, in a describe block: the synthesized stack, a Kio stub, and per test an
 * enforcing FakeAws, the handlers' environment and their stdout captured. Each test fails if the
 * deployed policies refused any call it made.
 */
export function workflowTier(options: { context?: Record<string, unknown> } = {}): WorkflowTier {
  const { template } = synthMint(options.context);
  const definition = renderDefinition(template);
  let current: { aws: FakeAws; authorizer: Authorizer } | undefined;
  let kio: KioStub | undefined;
  let stdout: ReturnType<typeof captureStdout> | undefined;
  beforeAll(async () => {
    kio = await startKioStub();
  });
  afterAll(() => kio?.close());
  beforeEach(() => {
    current = enforcingFakeAws(template, definition);
    useLambdaEnvironment(lambdaEnv(kio?.url ?? ''));
    stdout = captureStdout();
  });
  afterEach(() => {
    stdout?.restore();
    current?.aws.restore();
    if (current) expect(refusals(current.authorizer)).toEqual([]);
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} exists only inside a test`);
    return value;
  };
  return {
    template,
    definition,
    get aws() {
      return need(current, 'aws').aws;
    },
    get authorizer() {
      return need(current, 'authorizer').authorizer;
    },
    get kio() {
      return need(kio, 'kio');
    },
    get logged() {
      return stdout?.logged ?? [];
    },
    get environment() {
      return environment;
    },
  };
}
