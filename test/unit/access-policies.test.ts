import {
  bucketPolicyStatements,
  keyPolicyStatements,
  ownerReadPolicy,
  type PolicyDocument,
} from '../../lambdas/core/access-policies';
import { READERS_TAG, readersTagValue } from '../../lambdas/core/owners';
import { evaluate, type PolicyRequest } from '../support/policy-sim';

const MINT = '111111111111';
const OWNER = '222222222222';
const OTHER_OWNER = '333333333333';
const UNRELATED = '999999999999';
const ORG = 'o-mint0example';
const REGION = 'eu-central-1';
const BUCKET = 'mint-secrets';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const KEY_ARN = `arn:aws:kms:${REGION}:${MINT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const MINT_ROLES = ['Reconcile', 'RotateBatch', 'Report', 'ListApps', 'StartCycle'].map(
  (name) => `arn:aws:iam::${MINT}:role/Mint-Rotation${name}FnServiceRole-ABC123`,
);

const bucketPolicy = bucketPolicyStatements({
  bucketArn: BUCKET_ARN,
  organizationId: ORG,
  mintAccountId: MINT,
  mintRoleArns: MINT_ROLES,
});
const keyPolicy = [
  // What CDK's kms.Key puts in every key policy: the key's own account administers it through IAM.
  {
    Sid: 'KeyAdministrationByMintsAccount',
    Effect: 'Allow' as const,
    Principal: { AWS: `arn:aws:iam::${MINT}:root` },
    Action: 'kms:*',
    Resource: '*',
  },
  ...keyPolicyStatements({ region: REGION, organizationId: ORG }),
];
/** The owner's role as the README tells owners to set it up: it may read `orders` only. */
const ownerPolicy = ownerReadPolicy({
  bucketName: BUCKET,
  keyArn: KEY_ARN,
  region: REGION,
  appIds: ['orders'],
});
/** An administrator in any account: whatever is denied to it is denied by Mint's policies. */
const anything: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Admin', Effect: 'Allow', Action: '*', Resource: '*' }],
};

/** What each object's reader tag says, as Mint writes it. */
const readers: Record<string, string> = {
  orders: readersTagValue([OWNER]),
  payments: readersTagValue([OTHER_OWNER]),
  shared: readersTagValue([OTHER_OWNER, OWNER]),
};

const role = (account: string, name = 'app-reader') => `arn:aws:iam::${account}:role/${name}`;

/** A signed S3 request from `account`, with the context keys AWS would set. */
function s3(
  account: string,
  action: string,
  key: string | null,
  over: Partial<PolicyRequest> & { orgId?: string; tls?: boolean; principal?: string } = {},
): PolicyRequest {
  const app = key?.split('/')[0] ?? '';
  // S3 evaluates existing object tags only for the actions that read or tag an existing object.
  const tagged = action.startsWith('s3:GetObject') || action.endsWith('Tagging');
  const tag = tagged && key?.endsWith('credentials.json') ? readers[app] : undefined;
  return {
    principal: over.principal ?? role(account),
    action,
    resource: key === null ? BUCKET_ARN : `${BUCKET_ARN}/${key}`,
    resourceAccount: MINT,
    identityPolicy: over.identityPolicy ?? anything,
    resourcePolicy: bucketPolicy,
    blockPublicAccess: true,
    context: {
      'aws:PrincipalAccount': account,
      'aws:PrincipalArn': over.principal ?? role(account),
      'aws:PrincipalOrgID': over.orgId ?? ORG,
      'aws:SecureTransport': String(over.tls ?? true),
      ...(tag !== undefined ? { [`s3:ExistingObjectTag/${READERS_TAG}`]: tag } : {}),
      ...over.context,
    },
  };
}

describe("who can read what in Mint's bucket (policy evaluation)", () => {
  it("lets an owner account's role read its own app's credentials.json", async () => {
    expect(
      await evaluate(s3(OWNER, 's3:GetObject', 'orders/credentials.json', { identityPolicy: ownerPolicy })),
    ).toBe('Allowed');
    // An app can have several owner accounts.
    expect(await evaluate(s3(OWNER, 's3:GetObject', 'shared/credentials.json'))).toBe('Allowed');
    expect(await evaluate(s3(OTHER_OWNER, 's3:GetObject', 'shared/credentials.json'))).toBe('Allowed');
  });

  it.each([
    ['another app of another owner', 's3:GetObject', 'payments/credentials.json'],
    ["another of the app's files", 's3:GetObject', 'orders/notes.txt'],
    ["Mint's status document", 's3:GetObject', '_mint/status.json'],
    ['a staged rotation', 's3:GetObject', '_mint/pending/orders.json'],
    ['an old version of its own file', 's3:GetObjectVersion', 'orders/credentials.json'],
    ['the bucket listing', 's3:ListBucket', null],
    ['the version listing', 's3:ListBucketVersions', null],
    ['a write to its own file', 's3:PutObject', 'orders/credentials.json'],
    ['a re-tag of its own file', 's3:PutObjectTagging', 'orders/credentials.json'],
    ["a re-tag of another app's file", 's3:PutObjectTagging', 'payments/credentials.json'],
    ['deleting its own file', 's3:DeleteObject', 'orders/credentials.json'],
  ])('denies the same owner (even as an administrator) %s', async (_, action, key) => {
    expect(await evaluate(s3(OWNER, action, key))).not.toBe('Allowed');
  });

  it('denies an account outside the organization, even one named in the tag', async () => {
    expect(await evaluate(s3(UNRELATED, 's3:GetObject', 'orders/credentials.json'))).not.toBe('Allowed');
    expect(
      await evaluate(s3(OWNER, 's3:GetObject', 'orders/credentials.json', { orgId: 'o-someoneelse' })),
    ).not.toBe('Allowed');
  });

  it('denies anonymous requests and requests without TLS', async () => {
    const anonymous = s3(OWNER, 's3:GetObject', 'orders/credentials.json');
    expect(
      await evaluate({
        ...anonymous,
        principal: 'anonymous',
        identityPolicy: undefined,
        context: {
          'aws:SecureTransport': 'true',
          [`s3:ExistingObjectTag/${READERS_TAG}`]: readers.orders ?? '',
        },
      }),
    ).not.toBe('Allowed');
    expect(await evaluate(s3(OWNER, 's3:GetObject', 'orders/credentials.json', { tls: false }))).toBe(
      'ExplicitlyDenied',
    );
  });

  it("keeps writes, tags and staged secrets to Mint's own roles, and listings to Mint's account", async () => {
    const mintRole = MINT_ROLES[1] ?? '';
    const admin = role(MINT, 'Administrator');
    // Keys name apps, not secrets: an operator may list, so that a missing status reads as 404.
    expect(await evaluate(s3(MINT, 's3:ListBucket', null, { principal: admin }))).toBe('Allowed');
    for (const [action, key] of [
      ['s3:PutObject', 'orders/credentials.json'],
      ['s3:PutObjectTagging', 'orders/credentials.json'],
      ['s3:GetObject', '_mint/pending/orders.json'],
    ] as const) {
      expect(await evaluate(s3(MINT, action, key, { principal: mintRole }))).toBe('Allowed');
      expect(await evaluate(s3(MINT, action, key, { principal: admin }))).toBe('ExplicitlyDenied');
    }
    // Operators in Mint's account read reports and status (`mint status`).
    expect(await evaluate(s3(MINT, 's3:GetObject', '_mint/status.json', { principal: admin }))).toBe(
      'Allowed',
    );
    // ...and maintain the owner mapping; nobody outside Mint's account may write it.
    expect(await evaluate(s3(MINT, 's3:PutObject', '_mint/owners.json', { principal: admin }))).toBe(
      'Allowed',
    );
    expect(await evaluate(s3(OWNER, 's3:PutObject', '_mint/owners.json'))).toBe('ExplicitlyDenied');
    expect(await evaluate(s3(MINT, 's3:PutObject', '_mint/status.json', { principal: admin }))).toBe(
      'ExplicitlyDenied',
    );
  });

  it('stays non-public for S3 Block Public Access only because of the organization condition', async () => {
    const withoutOrg = bucketPolicy.map((statement) =>
      statement.Sid === 'OwnerAccountsReadTheirAppsCredentials'
        ? { ...statement, Condition: { StringLike: statement.Condition?.StringLike ?? {} } }
        : statement,
    );
    const request = s3(OWNER, 's3:GetObject', 'orders/credentials.json');
    expect(await evaluate(request)).toBe('Allowed');
    expect(await evaluate({ ...request, resourcePolicy: withoutOrg })).not.toBe('Allowed');
  });

  describe('the KMS key', () => {
    const decrypt = (account: string, context: Record<string, string>, identityPolicy = ownerPolicy) =>
      evaluate({
        principal: role(account),
        action: 'kms:Decrypt',
        resource: KEY_ARN,
        resourceAccount: MINT,
        identityPolicy,
        resourcePolicy: keyPolicy,
        context: {
          'aws:PrincipalAccount': account,
          'aws:PrincipalArn': role(account),
          'aws:PrincipalOrgID': ORG,
          'aws:SecureTransport': 'true',
          'kms:ViaService': `s3.${REGION}.amazonaws.com`,
          ...context,
        },
      });

    it('lets an owner decrypt through S3, and neither directly nor from outside the organization', async () => {
      expect(await decrypt(OWNER, {})).toBe('Allowed');
      expect(await decrypt(OWNER, { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` })).not.toBe(
        'Allowed',
      );
      // Directly, not through S3: even an administrator of the owner account is refused.
      expect(await decrypt(OWNER, { 'kms:ViaService': '' }, anything)).not.toBe('Allowed');
      expect(await decrypt(UNRELATED, { 'aws:PrincipalOrgID': 'o-someoneelse' }, anything)).not.toBe(
        'Allowed',
      );
    });
  });

  it('grants nothing outside Mint when no organization is configured', async () => {
    const noOrg = bucketPolicyStatements({
      bucketArn: BUCKET_ARN,
      mintAccountId: MINT,
      mintRoleArns: MINT_ROLES,
    });
    expect(
      await evaluate({ ...s3(OWNER, 's3:GetObject', 'orders/credentials.json'), resourcePolicy: noOrg }),
    ).not.toBe('Allowed');
    expect(keyPolicyStatements({ region: REGION })).toEqual([]);
  });
});
