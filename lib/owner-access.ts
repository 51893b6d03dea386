import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { bucketPolicyStatements, keyPolicyStatements } from '../lambdas/core/access-policies';

export interface OwnerAccessProps {
  /** Mint's bucket: this construct owns its whole bucket policy. */
  readonly bucket: s3.Bucket;
  /** The bucket's key: owner accounts may decrypt with it through S3. */
  readonly key: kms.Key;
  /** The AWS Organization whose accounts may own apps; without it no account outside Mint's reads. */
  readonly organizationId?: string;
  /** The roles of Mint's functions: the only principals that write, tag or list objects. */
  readonly mintRoles: readonly iam.IRole[];
}

/**
 * Who may read what in the bucket: owner accounts read their apps' credentials.json (the object's
 * reader tag names them), nobody else reads, lists, writes or re-tags anything. The statements come
 * from `lambdas/core/access-policies.ts`, the same builders the policy-evaluation tests run.
 */
export class OwnerAccess extends Construct {
  constructor(scope: Construct, id: string, props: OwnerAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const bucketStatements = bucketPolicyStatements({
      bucketArn: props.bucket.bucketArn,
      organizationId: props.organizationId,
      mintAccountId: stack.account,
      mintRoleArns: props.mintRoles.map((role) => role.roleArn),
    });
    for (const statement of bucketStatements) {
      props.bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(statement));
    }
    for (const statement of keyPolicyStatements({
      region: stack.region,
      organizationId: props.organizationId,
    })) {
      props.key.addToResourcePolicy(iam.PolicyStatement.fromJson(statement));
    }
  }
}
