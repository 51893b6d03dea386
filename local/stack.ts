import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadMintConfig } from '../lib/config';
import { MintStack } from '../lib/mint-stack';

export const LOCAL_ACCOUNT = '111111111111';
export const LOCAL_REGION = 'eu-central-1';

/** The `context` of the repository's cdk.json: what `cdk deploy` would use. */
export function cdkJsonContext(root = join(__dirname, '..')): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * Synthesizes the real stack in-process. Lambda bundling is skipped: locally the handlers run from
 * source, so the definition and environment are what is deployed but no esbuild run is needed.
 */
export function synthMint(context: Record<string, unknown> = {}): { stack: MintStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const config = loadMintConfig({ 'mint:kioUrl': 'https://kio.example.com', ...context });
  const stack = new MintStack(app, 'Mint', { config, env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
  return { stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The deployed ASL with CloudFormation intrinsics replaced by plain ARNs named after logical ids. */
export function renderDefinition(template: Template): Record<string, unknown> {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, unknown>;
    if (v['Fn::Join']) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    if (v['Fn::GetAtt'])
      return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${(v['Fn::GetAtt'] as string[])[0]}`;
    if (v.Ref) return String(v.Ref);
    throw new Error(`cannot render ${JSON.stringify(value)}`);
  };
  return JSON.parse(render(machine?.Properties.DefinitionString));
}

/** A resource the Lambda environment refers to, which the local run must create or stand in for. */
export interface ReferencedResource {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
}

/**
 * The environment every Mint Lambda is deployed with, as one map. `resolve` turns each `Ref` into the
 * local stand-in of that resource; any other intrinsic is an error, so a new kind of reference has to
 * be taught to the local runner explicitly rather than being passed through as garbage.
 */
export function lambdaEnvironment(
  template: Template,
  resolve: (resource: ReferencedResource) => string,
): Record<string, string> {
  const resources = template.toJSON().Resources as Resources;
  const merged: Record<string, string> = {};
  for (const [fnId, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
    const variables = (fn.Properties?.Environment?.Variables ?? {}) as Record<string, unknown>;
    for (const [name, raw] of Object.entries(variables)) {
      let value: string;
      if (typeof raw === 'string') value = raw;
      else if (raw && typeof raw === 'object' && 'Ref' in raw) {
        const logicalId = String((raw as { Ref: unknown }).Ref);
        const resource = resources[logicalId];
        if (!resource) throw new Error(`${fnId}: ${name} refers to unknown resource ${logicalId}`);
        value = resolve({ logicalId, type: resource.Type, properties: resource.Properties ?? {} });
      } else {
        throw new Error(`${fnId}: ${name} is ${JSON.stringify(raw)}, which the local runner cannot resolve`);
      }
      if (name in merged && merged[name] !== value) {
        // One process runs every handler; functions that disagree need separate processes.
        throw new Error(`${name} differs between Lambda functions (${merged[name]} vs ${value})`);
      }
      merged[name] = value;
    }
  }
  return merged;
}
