import { anonymousPrincipal, runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument, PolicyStatement } from '../../lambdas/core/access-policies';

/**
 * One request evaluated by @cloud-copilot/iam-simulate (AGPL, a dev dependency only) against the
 * policies Mint generates. Context keys are passed explicitly: the simulator does not derive
 * `aws:PrincipalAccount`, `aws:PrincipalOrgID` or object tags from the request.
 */
export interface PolicyRequest {
  /** A principal ARN, or `anonymous` for an unsigned request. */
  principal: string;
  action: string;
  resource: string;
  /** The account that owns the resource (Mint's). */
  resourceAccount: string;
  identityPolicy?: PolicyDocument;
  resourcePolicy?: PolicyStatement[];
  context: Record<string, string | string[]>;
  /** Evaluate with S3 Block Public Access (RestrictPublicBuckets) on, as Mint's bucket has it. */
  blockPublicAccess?: boolean;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export async function evaluate(request: PolicyRequest): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal === 'anonymous' ? anonymousPrincipal : request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: request.context,
      },
      identityPolicies: request.identityPolicy ? [{ name: 'identity', policy: request.identityPolicy }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy
        ? { resourcePolicy: { Version: '2012-10-17', Statement: request.resourcePolicy } }
        : {}),
      ...(request.blockPublicAccess ? { additionalSettings: { s3: { blockPublicAccess: true } } } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`the simulator rejected the request: ${JSON.stringify(result.errors)}`);
  }
  // A key the simulator does not know for this action is dropped silently: that would test nothing.
  const ignored = result.resultType === 'single' ? (result.result.ignoredContextKeys ?? []) : [];
  if (ignored.length > 0) {
    throw new Error(`the simulator ignored context keys ${ignored.join(', ')} for ${request.action}`);
  }
  return result.overallResult as Decision;
}
