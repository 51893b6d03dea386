import { Arn, ArnFormat, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ownerReadPolicy } from './owner-read-policy';

export interface MintCredentialsReaderProps {
  /** Mint's bucket: the Mint stack's `BucketName` output. */
  readonly bucketName: string;
  /** Mint's KMS key: the Mint stack's `KeyArn` output. */
  readonly keyArn: string;
  /** The Kio ids of the apps whose `credentials.json` the grantee reads. */
  readonly appIds: readonly string[];
  /** Who reads them: a role (or any grantable principal) in this, the owner's, account. */
  readonly grantee: iam.IGrantable;
  /** Mint's region. @default the region in `keyArn` */
  readonly region?: string;
}

/**
 * For an application team's own stack: gives one of its roles read access to its apps' Mint
 * credentials. This is the identity-policy half of cross-account access; Mint's bucket and key
 * policies are the other half, and let the account in once Mint's owner mapping names it for the app.
 *
 * ```ts
 * new MintCredentialsReader(this, 'MintCredentials', {
 *   bucketName: 'mint-secretsbucket-abc123', keyArn: 'arn:aws:kms:eu-central-1:111111111111:key/...',
 *   appIds: ['orders'], grantee: taskRole,
 * });
 * ```
 */
export class MintCredentialsReader extends Construct {
  constructor(scope: Construct, id: string, props: MintCredentialsReaderProps) {
    super(scope, id);
    if (props.appIds.length === 0) throw new Error(`${this.node.path}: appIds must name at least one app`);
    const region =
      props.region ??
      (Token.isUnresolved(props.keyArn)
        ? undefined
        : Arn.split(props.keyArn, ArnFormat.SLASH_RESOURCE_NAME).region);
    if (!region) throw new Error(`${this.node.path}: pass region when keyArn is not a literal ARN`);
    const document = ownerReadPolicy({
      bucketName: props.bucketName,
      keyArn: props.keyArn,
      region,
      appIds: props.appIds,
    });
    for (const statement of document.Statement) {
      props.grantee.grantPrincipal.addToPrincipalPolicy(iam.PolicyStatement.fromJson(statement));
    }
  }
}
