import type { PolicyDocument } from '../../packages/owner/src/policy-document';
import { KEY_PATTERNS, OWNERS_KEY } from '../contracts/keys';

export interface OperatorPolicyInput {
  stateMachineArn: string;
  bucketArn: string;
  keyArn: string;
  region: string;
  /** The stack `mint` reads its outputs from (`--stack`, default `Mint`). */
  stackName: string;
  accountId: string;
  /** `aws` outside China and GovCloud. */
  partition?: string;
}

/**
 * The identity policy of an on-call engineer who runs `mint status`, `run`, `redrive` and `plan` and
 * maintains the owner mapping: the README prints it, the CLI names it on AccessDenied, and the unit
 * tests evaluate every call the CLI makes against it.
 */
export function operatorPolicy(input: OperatorPolicyInput): PolicyDocument {
  const partition = input.partition ?? 'aws';
  const executions = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:*`;
  const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${input.region}.amazonaws.com` } };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StartAndListCycles',
        Effect: 'Allow',
        Action: ['states:StartExecution', 'states:ListExecutions'],
        Resource: input.stateMachineArn,
      },
      {
        Sid: 'FollowAndRedriveCycles',
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:RedriveExecution'],
        Resource: executions,
      },
      {
        Sid: 'ReadMintState',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: `${input.bucketArn}/${KEY_PATTERNS.mintState}`,
      },
      {
        Sid: 'MissingStateIs404',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: input.bucketArn,
      },
      {
        Sid: 'MaintainOwnerMapping',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: `${input.bucketArn}/${OWNERS_KEY}`,
      },
      {
        Sid: 'UseTheBucketKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: input.keyArn,
        Condition: viaS3,
      },
      {
        Sid: 'FindTheStack',
        Effect: 'Allow',
        Action: 'cloudformation:DescribeStacks',
        Resource: `arn:${partition}:cloudformation:${input.region}:${input.accountId}:stack/${input.stackName}/*`,
      },
    ],
  };
}

/** One line: every action of a policy, for an error message that says what permission is missing. */
export function policyActions(policy: PolicyDocument): string {
  return policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).join(', ');
}
