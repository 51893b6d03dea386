import type { PolicyStatement } from '../../../lambdas/core/access-policies';
import { type Decision, evaluate } from '../policy-sim';
import { type AwsWorld, type PermissionRequest, permissionsFor, type SdkCall } from './sdk-permissions';
import type { DeployedTemplate, Principal } from './template-policies';

/** One authorization AWS would perform, as the tier evaluated it. */
export interface Evaluation {
  /** Who made the call: a function (by workflow state) or another principal. */
  caller: string;
  roleId: string;
  call: string;
  request: PermissionRequest;
  decision: Decision;
}

export interface AuthorizerOptions {
  /** `mint:ownerOrganizationId`: Mint's own roles are in that organization too. */
  organizationId?: string;
}

const ERROR_CODE: Record<string, string> = {
  s3: 'AccessDenied',
  iam: 'AccessDenied',
  kms: 'AccessDenied',
  states: 'AccessDeniedException',
  secretsmanager: 'AccessDeniedException',
  'cognito-idp': 'AccessDeniedException',
};

/** `s3:GetObject _mint/status.json`: the operation and what it named, so a refusal points at the code. */
function describeCall(call: SdkCall): string {
  const target =
    call.input.Key ??
    call.input.UserName ??
    call.input.Username ??
    call.input.ClientId ??
    call.input.GroupName ??
    call.input.Prefix ??
    call.input.SecretId;
  return `${call.service}:${call.operation}${target === undefined ? '' : ` ${String(target)}`}`;
}

/** The error AWS answers a refused call with: what the handler would really see. */
export class AccessDeniedError extends Error {
  constructor(readonly evaluation: Evaluation) {
    const { caller, call, request, decision } = evaluation;
    const service = request.action.split(':')[0] ?? '';
    super(
      `User: ${evaluation.roleId} (${caller}) is not authorized to perform: ${request.action} on resource: ` +
        `${request.resource} (${call}): ${decision}`,
    );
    // The SDK names service exceptions by their AWS error code; through S3, a KMS refusal is S3's 403.
    this.name = ERROR_CODE[service] ?? 'AccessDenied';
  }
}

/**
 * Evaluates calls against the deployed policies with iam-simulate: the caller's role policies, plus
 * the bucket policy for S3 and the key policy for KMS. Identical requests are evaluated once.
 */
export class Authorizer {
  readonly evaluations: Evaluation[] = [];
  /** SDK calls authorized (one call can need several authorizations). */
  calls = 0;
  private readonly cache = new Map<string, Promise<Decision>>();
  private readonly principals = new Map<string, Principal>();

  constructor(
    readonly template: DeployedTemplate,
    private readonly options: AuthorizerOptions = {},
  ) {}

  principal(roleId: string): Principal {
    let principal = this.principals.get(roleId);
    if (!principal) {
      principal = this.template.principal(roleId);
      this.principals.set(roleId, principal);
    }
    return principal;
  }

  /** Every authorization `call` needs, evaluated and recorded; throws AccessDeniedError on the first refusal. */
  async authorize(caller: string, roleId: string, call: SdkCall, world: AwsWorld): Promise<void> {
    this.calls++;
    for (const request of permissionsFor(call, world)) {
      const decision = await this.decide(roleId, request);
      const evaluation = { caller, roleId, call: describeCall(call), request, decision };
      this.evaluations.push(evaluation);
      if (decision !== 'Allowed') throw new AccessDeniedError(evaluation);
    }
  }

  /** The decision for one request by `roleId`, optionally with only `statements` as its identity policy. */
  decide(roleId: string, request: PermissionRequest, statements?: PolicyStatement[]): Promise<Decision> {
    const principal = this.principal(roleId);
    return this.decideFor(
      { ...principal, statements: statements ?? principal.statements, account: this.template.names.account },
      request,
    );
  }

  /** The decision for a principal the template does not define: an operator, an owner account's role. */
  decideFor(principal: Principal & { account: string }, request: PermissionRequest): Promise<Decision> {
    const identity = principal.statements;
    const cacheKey = JSON.stringify([principal.roleArn, identity, request]);
    let decision = this.cache.get(cacheKey);
    if (!decision) {
      decision = evaluate({
        principal: principal.roleArn,
        action: request.action,
        resource: request.resource,
        resourceAccount: this.template.names.account,
        identityPolicy: { Version: '2012-10-17', Statement: identity },
        resourcePolicy: this.resourcePolicy(request),
        blockPublicAccess: request.action.startsWith('s3:'),
        context: {
          'aws:PrincipalArn': principal.roleArn,
          'aws:PrincipalAccount': principal.account,
          'aws:SecureTransport': 'true',
          ...(this.options.organizationId ? { 'aws:PrincipalOrgID': this.options.organizationId } : {}),
          ...request.context,
        },
      });
      this.cache.set(cacheKey, decision);
    }
    return decision;
  }

  private resourcePolicy(request: PermissionRequest): PolicyStatement[] | undefined {
    if (request.action.startsWith('s3:')) {
      const bucket = request.resource.replace('arn:aws:s3:::', '').split('/')[0] ?? '';
      return this.template.bucketPolicy(bucket);
    }
    if (request.action.startsWith('kms:')) return this.template.keyPolicy(request.resource);
    return undefined;
  }
}
