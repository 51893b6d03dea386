import type { PolicyStatement } from '../../../lambdas/core/access-policies';

/**
 * The synthesized template, read the way AWS would see it once deployed: each role with every policy
 * attached to it (inline, default and AWS managed), the bucket policy, the key policy, and which Lambda
 * function each workflow Task invokes. CloudFormation intrinsics are resolved to concrete ARNs; the
 * bucket and the boundary get the names the in-memory AWS uses, so that recorded calls and policies
 * speak of the same resources.
 */

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Resources = Record<string, Resource>;

export interface DeployedNames {
  account: string;
  region: string;
  /** Bucket name for every AWS::S3::Bucket logical id that the functions use. */
  bucketName: (logicalId: string) => string;
  /** ARN of a customer managed policy (the service users' boundary). */
  managedPolicyArn: (logicalId: string) => string;
  stateMachineArn: string;
  /** Id of the Cognito user pool a template creates. @default `<region>_<logical id, letters and digits>` */
  userPoolId?: (logicalId: string) => string;
}

export interface Principal {
  /** Logical id of the role. */
  roleId: string;
  roleArn: string;
  statements: PolicyStatement[];
}

/** What AWS managed policies Mint's roles use contain (from the AWS Managed Policy Reference). */
const AWS_MANAGED: Record<string, PolicyStatement[]> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': [
    {
      Sid: 'AWSLambdaBasicExecutionRole',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: '*',
    },
  ],
};

export class DeployedTemplate {
  readonly resources: Resources;

  constructor(
    template: { Resources?: Resources },
    readonly names: DeployedNames,
  ) {
    this.resources = template.Resources ?? {};
  }

  private ofType(type: string): [string, Resource][] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  /** Resolves `Ref`, `Fn::GetAtt … Arn`, `Fn::Join` and pseudo parameters to plain strings. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const v = value as Record<string, unknown>;
    if ('Ref' in v) return this.ref(String(v.Ref));
    if ('Fn::GetAtt' in v) {
      const [id, attribute] = v['Fn::GetAtt'] as [string, string];
      return this.getAtt(id, attribute);
    }
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => String(this.resolve(p))).join(sep);
    }
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) {
      if (k.startsWith('Fn::')) throw new Error(`cannot resolve ${k} in ${JSON.stringify(value)}`);
      out[k] = this.resolve(inner);
    }
    return out;
  }

  private ref(id: string): string {
    const { account, region } = this.names;
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': region,
      'AWS::AccountId': account,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[id]) return pseudo[id];
    const type = this.resources[id]?.Type;
    switch (type) {
      case 'AWS::S3::Bucket':
        return this.names.bucketName(id);
      case 'AWS::IAM::ManagedPolicy':
        return this.names.managedPolicyArn(id);
      case 'AWS::IAM::Role':
        return id;
      case 'AWS::StepFunctions::StateMachine':
        return this.names.stateMachineArn;
      case 'AWS::KMS::Key':
        return id;
      case 'AWS::Lambda::Function':
        return id;
      case 'AWS::Cognito::UserPool':
        return this.userPoolId(id);
      default:
        throw new Error(`cannot resolve Ref ${id} (${type ?? 'unknown resource'})`);
    }
  }

  private getAtt(id: string, attribute: string): string {
    const { account, region } = this.names;
    const type = this.resources[id]?.Type;
    if (attribute !== 'Arn') throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
    switch (type) {
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${this.names.bucketName(id)}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${id}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${account}:key/${id}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${id}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${id}:*`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${id}`;
      case 'AWS::Cognito::UserPool':
        return `arn:aws:cognito-idp:${region}:${account}:userpool/${this.userPoolId(id)}`;
      default:
        throw new Error(`cannot resolve Fn::GetAtt ${id}.Arn (${type ?? 'unknown resource'})`);
    }
  }

  private userPoolId(logicalId: string): string {
    return (
      this.names.userPoolId?.(logicalId) ?? `${this.names.region}_${logicalId.replace(/[^0-9a-zA-Z]/g, '')}`
    );
  }

  /**
   * ARN of the service users' user pool: the one the template creates, or the existing one the functions
   * are given (`MINT_USER_POOL_ID`); undefined with the IAM store.
   */
  userPoolArn(): string | undefined {
    const { account, region } = this.names;
    const [created] = this.ofType('AWS::Cognito::UserPool');
    if (created) return this.getAtt(created[0], 'Arn');
    for (const [, fn] of this.ofType('AWS::Lambda::Function')) {
      const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      const id = variables?.MINT_USER_POOL_ID;
      if (id !== undefined) return `arn:aws:cognito-idp:${region}:${account}:userpool/${this.resolve(id)}`;
    }
    return undefined;
  }

  /** The role with every statement of every policy attached to it. */
  principal(roleId: string): Principal {
    const role = this.resources[roleId];
    if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
    const statements: PolicyStatement[] = [];
    const add = (document: unknown, origin: string) => {
      const resolved = this.resolve(document) as { Statement: PolicyStatement[] };
      resolved.Statement.forEach((s, i) => {
        statements.push({ ...s, Sid: s.Sid ?? `${origin}#${i}` });
      });
    };
    for (const arn of (role.Properties?.ManagedPolicyArns ?? []) as unknown[]) {
      const resolved = String(this.resolve(arn));
      const managed = AWS_MANAGED[resolved];
      if (managed) statements.push(...managed);
      else {
        const local = this.ofType('AWS::IAM::ManagedPolicy').find(
          ([id]) => this.names.managedPolicyArn(id) === resolved,
        );
        if (!local)
          throw new Error(`${roleId} has managed policy ${resolved}, whose document the tier does not know`);
        add(local[1].Properties?.PolicyDocument, local[0]);
      }
    }
    for (const inline of (role.Properties?.Policies ?? []) as {
      PolicyDocument: unknown;
      PolicyName: string;
    }[]) {
      add(inline.PolicyDocument, inline.PolicyName);
    }
    for (const [id, policy] of this.ofType('AWS::IAM::Policy')) {
      const roles = (policy.Properties?.Roles ?? []) as { Ref?: string }[];
      if (roles.some((r) => r.Ref === roleId)) add(policy.Properties?.PolicyDocument, id);
    }
    return { roleId, roleArn: `arn:aws:iam::${this.names.account}:role/${roleId}`, statements };
  }

  /** Logical id of the role a Lambda function runs as. */
  functionRole(functionId: string): string {
    const fn = this.resources[functionId];
    const role = fn?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const roleId = role?.['Fn::GetAtt']?.[0];
    if (!roleId) throw new Error(`${functionId} is not a Lambda function with a role in this template`);
    return roleId;
  }

  lambdaFunctions(): string[] {
    return this.ofType('AWS::Lambda::Function').map(([id]) => id);
  }

  /** The bucket policy of the bucket with this name. */
  bucketPolicy(bucketName: string): PolicyStatement[] {
    for (const [, policy] of this.ofType('AWS::S3::BucketPolicy')) {
      if (this.resolve(policy.Properties?.Bucket) === bucketName) {
        return (this.resolve(policy.Properties?.PolicyDocument) as { Statement: PolicyStatement[] })
          .Statement;
      }
    }
    return [];
  }

  keyPolicy(keyArn: string): PolicyStatement[] {
    for (const [id, key] of this.ofType('AWS::KMS::Key')) {
      if (this.getAtt(id, 'Arn') === keyArn) {
        return (this.resolve(key.Properties?.KeyPolicy) as { Statement: PolicyStatement[] }).Statement;
      }
    }
    throw new Error(`no KMS key ${keyArn} in the template`);
  }

  /** The KMS key a bucket's default encryption uses (SSE-KMS), as an ARN. */
  bucketKeyArn(bucketName: string): string | undefined {
    for (const [id, bucket] of this.ofType('AWS::S3::Bucket')) {
      if (this.names.bucketName(id) !== bucketName) continue;
      const rules = ((
        bucket.Properties?.BucketEncryption as { ServerSideEncryptionConfiguration?: unknown[] }
      )?.ServerSideEncryptionConfiguration ?? []) as {
        ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: unknown };
      }[];
      const byDefault = rules[0]?.ServerSideEncryptionByDefault;
      if (byDefault?.SSEAlgorithm === 'aws:kms') return String(this.resolve(byDefault.KMSMasterKeyID));
    }
    return undefined;
  }

  stateMachineRole(): string {
    const [[, machine] = []] = this.ofType('AWS::StepFunctions::StateMachine');
    const role = machine?.Properties?.RoleArn as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const roleId = role?.['Fn::GetAtt']?.[0];
    if (!roleId) throw new Error('no state machine role in the template');
    return roleId;
  }

  /** Roles that EventBridge assumes (the schedule's target role). */
  rolesTrusting(service: string): string[] {
    return this.ofType('AWS::IAM::Role')
      .filter(([, role]) =>
        JSON.stringify(role.Properties?.AssumeRolePolicyDocument ?? {}).includes(`"Service":"${service}"`),
      )
      .map(([id]) => id);
  }
}

/**
 * Which Lambda function (logical id) each Task state of the rendered definition invokes, through
 * nested Map processors too.
 */
export function taskFunctions(definition: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        const resource = String(state.Resource ?? '');
        const fn = resource.split(':function:')[1];
        if (!fn) throw new Error(`Task ${name} invokes ${resource}, not a Lambda function`);
        out[name] = fn.split(':')[0] ?? fn;
      }
      const processor = (state.ItemProcessor ?? state.Iterator) as {
        States?: Record<string, Record<string, unknown>>;
      };
      if (processor?.States) walk(processor.States);
    }
  };
  walk(definition.States as Record<string, Record<string, unknown>>);
  return out;
}
