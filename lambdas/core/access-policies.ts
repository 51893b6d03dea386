import type { PolicyStatement } from '../../packages/owner/src/policy-document';
import { OWNERS_KEY, READERS_TAG } from './owners';

// One module per concern, re-exported here so that every importer keeps one entry point: the owner's
// read policy and the document types live in the owner package (installed on its own by app teams, it
// imports nothing from this repository), the operator's policy beside this file.
export { type OwnerReadPolicyInput, ownerReadPolicy } from '../../packages/owner/src/owner-read-policy';
export type { PolicyDocument, PolicyStatement } from '../../packages/owner/src/policy-document';
export { type OperatorPolicyInput, operatorPolicy, policyActions } from './operator-policy';

/**
 * The policies that decide who reads what in Mint's bucket, built here once so that the stack deploys
 * and the tests evaluate the very same documents.
 *
 * Mechanism: each `credentials.json` carries an object tag naming its reader accounts, and one bucket
 * policy statement lets a principal read it only when the principal's own account is in that tag
 * (`${aws:PrincipalAccount}` against `s3:ExistingObjectTag/mint:readers`), within a fixed organization
 * (`aws:PrincipalOrgID`), which also keeps the policy non-public for S3 Block Public Access. Both
 * policies therefore have a fixed size, whatever the number of apps and accounts; granting and revoking
 * is retagging one object, never rewriting a policy (and never racing CloudFormation over it).
 */

export interface BucketPolicyInput {
  bucketArn: string;
  /** Owner accounts must belong to this AWS Organization; without it no account outside Mint's reads. */
  organizationId?: string;
  /** Mint's own account: its operators may read Mint's reports (`mint status`). */
  mintAccountId: string;
  /** The roles of Mint's functions: the only principals that write, tag, list or read staged secrets. */
  mintRoleArns: readonly string[];
}

const ANYONE = { AWS: '*' };
/** An IAM policy variable, resolved by AWS per request: the caller's account id. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: IAM's policy-variable syntax, not a JS template.
const PRINCIPAL_ACCOUNT = '${aws:PrincipalAccount}';

/** Every way to create, change, tag or delete an object or its ACL. */
export const OBJECT_WRITE_ACTIONS = [
  's3:PutObject',
  's3:PutObjectAcl',
  's3:PutObjectVersionAcl',
  's3:PutObjectTagging',
  's3:PutObjectVersionTagging',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:DeleteObjectTagging',
  's3:DeleteObjectVersionTagging',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:RestoreObject',
  's3:ReplicateObject',
  's3:ReplicateDelete',
  's3:ReplicateTags',
];

const LIST_ACTIONS = ['s3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads'];

const VERSION_READ_ACTIONS = [
  's3:GetObjectVersion',
  's3:GetObjectVersionAcl',
  's3:GetObjectVersionAttributes',
  's3:GetObjectVersionTagging',
  's3:GetObjectVersionForReplication',
];

export function credentialsObjectsArn(bucketArn: string): string {
  return `${bucketArn}/*/credentials.json`;
}

export function bucketPolicyStatements(input: BucketPolicyInput): PolicyStatement[] {
  const { bucketArn } = input;
  const notMint = { ArnNotEquals: { 'aws:PrincipalArn': [...input.mintRoleArns] } };
  const outsideMintsAccount = { StringNotEquals: { 'aws:PrincipalAccount': input.mintAccountId } };
  const ownerMapping = `${bucketArn}/${OWNERS_KEY}`;
  return [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: ANYONE,
      Action: 's3:*',
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    ...(input.organizationId
      ? [
          {
            Sid: 'OwnerAccountsReadTheirAppsCredentials',
            Effect: 'Allow' as const,
            Principal: ANYONE,
            Action: 's3:GetObject',
            Resource: credentialsObjectsArn(bucketArn),
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': input.organizationId },
              StringLike: { [`s3:ExistingObjectTag/${READERS_TAG}`]: `*${PRINCIPAL_ACCOUNT}*` },
            },
          },
        ]
      : []),
    {
      // The owner mapping is the platform team's input: written by operators in Mint's account.
      Sid: 'OnlyMintWritesOrTagsObjects',
      Effect: 'Deny',
      Principal: ANYONE,
      Action: OBJECT_WRITE_ACTIONS,
      NotResource: ownerMapping,
      Condition: notMint,
    },
    {
      Sid: 'OwnerMappingWrittenOnlyInMintsAccount',
      Effect: 'Deny',
      Principal: ANYONE,
      Action: OBJECT_WRITE_ACTIONS,
      Resource: ownerMapping,
      Condition: outsideMintsAccount,
    },
    {
      // Keys name apps, never secrets: operators in Mint's account may list (so that a missing status
      // document or report reads as 404, not 403); nobody outside it may.
      Sid: 'NoListingOutsideMintsAccount',
      Effect: 'Deny',
      Principal: ANYONE,
      Action: LIST_ACTIONS,
      Resource: bucketArn,
      Condition: outsideMintsAccount,
    },
    {
      Sid: 'OnlyMintReadsStagedSecrets',
      Effect: 'Deny',
      Principal: ANYONE,
      Action: 's3:GetObject',
      Resource: `${bucketArn}/_mint/pending/*`,
      Condition: notMint,
    },
    {
      Sid: 'MintStateStaysInMintsAccount',
      Effect: 'Deny',
      Principal: ANYONE,
      Action: ['s3:GetObject', 's3:GetObjectAttributes', 's3:GetObjectTagging', ...VERSION_READ_ACTIONS],
      Resource: `${bucketArn}/_mint/*`,
      Condition: outsideMintsAccount,
    },
    {
      Sid: 'NoOldVersionsOutsideMintsAccount',
      Effect: 'Deny',
      Principal: ANYONE,
      Action: VERSION_READ_ACTIONS,
      Resource: `${bucketArn}/*`,
      Condition: outsideMintsAccount,
    },
  ];
}

export interface KeyPolicyInput {
  region: string;
  organizationId?: string;
}

/**
 * Lets owner accounts decrypt only through S3: which object they may read is the bucket policy's
 * decision, and only Mint's roles may encrypt with this key, so everything it decrypts is Mint's
 * bucket data. (A `kms:EncryptionContext:aws:s3:arn` condition would add little and cannot be
 * evaluated by the policy simulator the tests use, which ignores context keys containing colons.)
 */
export function keyPolicyStatements(input: KeyPolicyInput): PolicyStatement[] {
  if (!input.organizationId) return [];
  return [
    {
      Sid: 'OwnerAccountsDecryptTheirCredentialsThroughS3',
      Effect: 'Allow',
      Principal: ANYONE,
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:ViaService': `s3.${input.region}.amazonaws.com`,
          'aws:PrincipalOrgID': input.organizationId,
        },
      },
    },
  ];
}
