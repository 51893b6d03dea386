import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface SecretsBucketProps {
  /** Days an overwritten credentials.json version is kept (old secrets should not linger). */
  readonly noncurrentVersionExpiryDays: number;
  /** Days Mint's per-cycle working files under `_mint/cycles/` are kept. @default 14 */
  readonly cycleFilesExpiryDays?: number;
}

/**
 * The bucket applications read their credentials from: KMS-encrypted with a rotating customer-managed
 * key, versioned (a bad publish can be rolled back) with a short noncurrent expiry, private. Its
 * policy (TLS only, who reads what) is the OwnerAccess construct's.
 */
export class SecretsBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: SecretsBucketProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Mint: encrypts published application credentials and Mint state',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This is the access-log bucket of the secrets bucket; logging it to itself would loop.',
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // TLS-only is one statement of the bucket policy the OwnerAccess construct writes.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'secrets-bucket/',
      lifecycleRules: [
        {
          id: 'expire-old-secrets',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpiryDays),
        },
        {
          id: 'expire-cycle-files',
          prefix: '_mint/cycles/',
          expiration: Duration.days(props.cycleFilesExpiryDays ?? 14),
        },
        {
          id: 'clean-delete-markers',
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
