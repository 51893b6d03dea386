import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { KEY_PATTERNS } from '../lambdas/contracts/keys';
import { TAG } from '../lambdas/core/service-users';
import type { DeployedIdentityStore } from './identity-store';
import { acknowledgeFindings, arnToken } from './nag';
import {
  type Condition,
  type Grant,
  type GrantOptions,
  grantsFor,
  type MintFunction,
  type Target,
  touchesUsers,
} from './permissions';
import { USER_GUARDS } from './user-guards';

export interface FunctionGrantsProps {
  readonly functions: Record<MintFunction, lambda.IFunction>;
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** Where the service users live: IAM (with their boundary and group) or a Cognito user pool. */
  readonly identityStore: DeployedIdentityStore;
  /** IAM path of the service users, e.g. `/mint/` (IAM store). */
  readonly userPath: string;
  /** Name of the Kio token's secret in Secrets Manager, when Kio needs one. */
  readonly kioTokenSecretName?: string;
  /** X-Ray tracing is on: CDK then lets each function send traces, which works only on `*`. */
  readonly tracing?: boolean;
}

type Conditions = Record<string, Record<string, string | string[]>>;

/**
 * Turns `permissions.ts` into IAM statements on each function's role. Grants on the state machine go
 * into a separate policy, so that a function does not depend on the state machine that invokes it; call
 * `grantStateMachine` once it exists.
 */
export class FunctionGrants {
  private readonly usersArn: string;
  private readonly options: GrantOptions;

  constructor(
    private readonly scope: Construct,
    private readonly props: FunctionGrantsProps,
  ) {
    const stack = Stack.of(scope);
    const userArn = (name: string) =>
      stack.formatArn({ service: 'iam', region: '', resource: 'user', resourceName: name });
    this.usersArn = userArn(`${props.userPath.slice(1)}*`);
    const nestedUsersArn = userArn(`${props.userPath.slice(1)}*/*`);
    const store = props.identityStore;
    this.options = {
      kioToken: Boolean(props.kioTokenSecretName),
      identityStore: store.kind,
      serviceUserGroup: store.kind === 'iam' && store.serviceUserGroup !== undefined,
    };

    for (const [name, fn] of Object.entries(props.functions) as [MintFunction, lambda.IFunction][]) {
      const grants = grantsFor(name, this.options);
      for (const grant of grants) {
        if (grant.on === 'stateMachine') continue;
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: grant.sid,
            actions: [...grant.actions],
            resources: this.resources(grant.on),
            // S3 uses the bucket key on the caller's behalf; nothing else may.
            conditions:
              grant.on === 'bucketKey'
                ? { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } }
                : this.conditions(grant.when ?? []),
          }),
        );
      }
      if (store.kind === 'iam' && touchesUsers(name)) {
        for (const guard of USER_GUARDS) {
          fn.addToRolePolicy(
            new iam.PolicyStatement({
              sid: guard.sid,
              effect: iam.Effect.DENY,
              actions: [...guard.actions],
              resources: [guard.on === 'nestedUsers' ? nestedUsersArn : this.usersArn],
              conditions: this.conditions(guard.when ?? []),
            }),
          );
        }
      }
      this.acknowledge(name, fn, grants);
    }
  }

  /** The grants on the state machine (finding running cycles), in a policy of their own. */
  grantStateMachine(stateMachine: sfn.IStateMachine): void {
    for (const [name, fn] of Object.entries(this.props.functions) as [MintFunction, lambda.IFunction][]) {
      const statements = grantsFor(name, this.options)
        .filter((grant) => grant.on === 'stateMachine')
        .map(
          (grant) =>
            new iam.PolicyStatement({
              sid: grant.sid,
              actions: [...grant.actions],
              resources: [stateMachine.stateMachineArn],
            }),
        );
      if (statements.length === 0) continue;
      new iam.Policy(this.scope, `${fn.node.id}StateMachineAccess`, {
        roles: [fn.role as iam.IRole],
        statements,
      });
    }
  }

  private resources(on: Exclude<Target, 'stateMachine'>): string[] {
    const { bucket, key, identityStore: store } = this.props;
    if (typeof on === 'object') return on.objects.map((p) => bucket.arnForObjects(KEY_PATTERNS[p]));
    switch (on) {
      case 'bucket':
        return [bucket.bucketArn];
      case 'bucketKey':
        return [key.keyArn];
      case 'serviceUsers':
        return [this.usersArn];
      case 'account':
        return ['*'];
      case 'kioTokenSecret':
        // Secrets Manager appends six random characters to a secret's name in its ARN.
        return [
          Stack.of(this.scope).formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            resourceName: `${this.props.kioTokenSecretName}-??????`,
          }),
        ];
      case 'userPool':
        if (store.kind !== 'cognito') throw new Error('a grant on the user pool needs the Cognito store');
        return [store.userPool.userPoolArn];
      case 'serviceUserGroup':
        if (store.kind !== 'iam' || store.serviceUserGroup === undefined) {
          throw new Error('a grant on the service user group needs mint:serviceUserGroup');
        }
        // The group's ARN carries its path; Mint's group is at the root path (README, Configuration).
        return [
          Stack.of(this.scope).formatArn({
            service: 'iam',
            region: '',
            resource: 'group',
            resourceName: store.serviceUserGroup,
          }),
        ];
    }
  }

  private conditions(when: readonly (Condition | 'changesAppId' | 'managedUser')[]): Conditions | undefined {
    const conditions: Conditions = {};
    const add = (operator: string, key: string, value: string | string[]) => {
      conditions[operator] = { ...conditions[operator], [key]: value };
    };
    const appIdTag = `aws:ResourceTag/${TAG.appId}`;
    for (const condition of when) {
      switch (condition) {
        case 'managedUser':
          add('Null', appIdTag, 'false');
          break;
        case 'newUser':
          add('Null', appIdTag, 'true');
          break;
        case 'withBoundary': {
          const store = this.props.identityStore;
          if (store.kind !== 'iam') throw new Error("Mint's boundary exists only with the IAM store");
          add('StringEquals', 'iam:PermissionsBoundary', store.boundaryArn);
          break;
        }
        case 'tagsNewUserAsApp':
          add('Null', `aws:RequestTag/${TAG.appId}`, 'false');
          break;
        case 'appPrefixes':
          add('StringLike', 's3:prefix', [KEY_PATTERNS.credentials, KEY_PATTERNS.pending]);
          break;
        case 'changesAppId':
          add('ForAnyValue:StringEquals', 'aws:TagKeys', [TAG.appId]);
          break;
      }
    }
    return Object.keys(conditions).length > 0 ? conditions : undefined;
  }

  /** cdk-nag flags every wildcard resource: each is acknowledged with the grant's own reason. */
  private acknowledge(name: MintFunction, fn: lambda.IFunction, grants: Grant[]): void {
    const bucketArn = arnToken(this.props.bucket);
    const stack = Stack.of(this.scope);
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const reasons = new Map<string, string[]>();
    for (const grant of grants) {
      const findings =
        typeof grant.on === 'object'
          ? grant.on.objects.map((p) => `Resource::${bucketArn}/${KEY_PATTERNS[p]}`)
          : grant.on === 'serviceUsers'
            ? [`Resource::arn:aws:iam::${account}:user${this.props.userPath}*`]
            : grant.on === 'account'
              ? ['Resource::*']
              : [];
      for (const finding of findings) {
        if (!finding.includes('*')) continue;
        reasons.set(finding, [...(reasons.get(finding) ?? []), `${grant.sid}: ${grant.why}.`]);
      }
    }
    if (this.props.tracing) {
      reasons.set('Resource::*', [
        ...(reasons.get('Resource::*') ?? []),
        'X-Ray: xray:PutTraceSegments and xray:PutTelemetryRecords support only "*" (mint:tracing=true).',
      ]);
    }
    for (const [finding, why] of reasons) {
      acknowledgeFindings(fn, 'AwsSolutions-IAM5', [finding], `${name} ${why.join(' ')}`);
    }
  }
}
