import type { PolicyDocument } from './policy-document';

export interface OwnerReadPolicyInput {
  bucketName: string;
  keyArn: string;
  region: string;
  appIds: readonly string[];
  /** `aws` outside China and GovCloud. */
  partition?: string;
}

/**
 * The identity policy an owner attaches to the role that reads its apps' credentials: the other half
 * of cross-account access (the bucket and key policies alone let nobody in).
 */
export function ownerReadPolicy(input: OwnerReadPolicyInput): PolicyDocument {
  const partition = input.partition ?? 'aws';
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadMintCredentials',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: input.appIds.map(
          (id) => `arn:${partition}:s3:::${input.bucketName}/${id}/credentials.json`,
        ),
      },
      {
        Sid: 'DecryptMintCredentialsThroughS3',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: input.keyArn,
        Condition: { StringEquals: { 'kms:ViaService': `s3.${input.region}.amazonaws.com` } },
      },
    ],
  };
}
