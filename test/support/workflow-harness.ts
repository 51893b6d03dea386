/**
 * The workflow tier runs the synthesized definition with the same engine as `npm run local`, against
 * the FakeAws double instead of moto.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { currentTask, LOCAL_STATE_MACHINE_ARN, localBucketName } from '../../local/engine';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/stack';
import { Authorizer } from './authorization/authorizer';
import type { AwsWorld } from './authorization/sdk-permissions';
import { DeployedTemplate, taskFunctions } from './authorization/template-policies';
import { FakeAws } from './fake-aws';

export { type CycleRun, runCycle } from '../../local/engine';
export { startKioStub } from '../../local/kio-stub';
export { renderDefinition, synthMint } from '../../local/stack';

/** The Lambda environment for FakeAws, whose account and names are fixed. */
export function lambdaEnv(kioUrl: string) {
  return {
    MINT_BUCKET: 'mint-secrets',
    MINT_USER_PATH: '/mint/',
    MINT_BOUNDARY_ARN: 'arn:aws:iam::111111111111:policy/mint-deny-all',
    MINT_KIO_URL: kioUrl,
    MINT_BATCH_SIZE: '2',
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
    throw new Error(`no function's ${variable} refers to a resource`);
  };
  const bucketId = referenced('MINT_BUCKET');
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
): { aws: FakeAws; authorizer: Authorizer } {
  const functions = taskFunctions(definition);
  const deployed = authorizer.template;
  const aws: FakeAws = new FakeAws({
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
