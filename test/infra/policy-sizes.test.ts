import type { Template } from 'aws-cdk-lib/assertions';
import { ownerReadPolicy } from '../../lambdas/core/access-policies';
import {
  MAX_READERS_PER_APP,
  parseOwnerMapping,
  readersOf,
  readersTagValue,
} from '../../lambdas/core/owners';
import { synthMint } from '../support/workflow-harness';

const APPS = 5_000;
const ACCOUNTS = 1_000;
const S3_BUCKET_POLICY_LIMIT = 20 * 1024;
const KMS_KEY_POLICY_LIMIT = 32 * 1024;
const IAM_MANAGED_POLICY_LIMIT = 6_144;
const TAG_VALUE_LIMIT = 256;

/** CloudFormation intrinsics replaced by values as long as real ones: sizes are measured on what AWS stores. */
function resolveIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveIntrinsics);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Fn::GetAtt' in object) {
    const [logicalId] = object['Fn::GetAtt'] as string[];
    return logicalId?.startsWith('Secrets')
      ? 'arn:aws:s3:::mint-secretsbucket7fde76d1-abcdefghijkl'
      : `arn:aws:iam::111111111111:role/Mint-${logicalId}-ABCDEFGHIJKLM`;
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(resolveIntrinsics).join(separator);
  }
  if ('Ref' in object) return object.Ref === 'AWS::AccountId' ? '111111111111' : 'eu-central-1';
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveIntrinsics(v)]));
}

function policyBytes(template: Template, type: string, property: string, logicalIdPrefix: string): number {
  const [document] = Object.entries(template.findResources(type))
    .filter(([id]) => id.startsWith(logicalIdPrefix))
    .map(([, resource]) => (resource.Properties as Record<string, unknown>)[property]);
  return Buffer.byteLength(JSON.stringify(resolveIntrinsics(document)));
}

describe(`policy sizes at ${APPS.toLocaleString('en')} apps over ${ACCOUNTS.toLocaleString('en')} owner accounts`, () => {
  // 1,000 teams of five apps, one account each; every tenth team has three accounts; 100 apps are
  // overridden to a single other account.
  const account = (i: number) => String(100_000_000_000 + (i % ACCOUNTS)).padStart(12, '0');
  const teams = Object.fromEntries(
    Array.from({ length: ACCOUNTS }, (_, t) => [
      `team-${t}`,
      t % 10 === 0 ? [account(t), account(t + 1), account(t + 2)] : [account(t)],
    ]),
  );
  const overrides = Object.fromEntries(
    Array.from({ length: 100 }, (_, i) => [`app-${i * 50}`, [account(i * 7)]]),
  );
  const mappingText = JSON.stringify({ teams, apps: overrides });
  const owners = parseOwnerMapping(JSON.parse(mappingText));
  const apps = Array.from({ length: APPS }, (_, i) => ({
    id: `app-${i}`,
    teamId: `team-${Math.floor(i / 5)}`,
  }));
  const { template } = synthMint({ 'mint:ownerOrganizationId': 'o-mint0example' });

  const sizes = {
    bucketPolicy: policyBytes(template, 'AWS::S3::BucketPolicy', 'PolicyDocument', 'SecretsBucketPolicy'),
    keyPolicy: policyBytes(template, 'AWS::KMS::Key', 'KeyPolicy', 'SecretsKey'),
    ownerMapping: Buffer.byteLength(mappingText),
    largestReaderTag: Math.max(...apps.map((app) => readersTagValue(readersOf(app, owners)).length)),
    ownerPolicyForFiveApps: Buffer.byteLength(
      JSON.stringify(
        ownerReadPolicy({
          bucketName: 'mint-secretsbucket7fde76d1-abcdefghijkl',
          keyArn: 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          region: 'eu-central-1',
          appIds: apps.slice(0, 5).map((app) => app.id),
        }),
      ),
    ),
  };
  const distinctAccounts = new Set(apps.flatMap((app) => readersOf(app, owners))).size;

  afterAll(() => {
    console.log(
      [
        `Measured at ${APPS} apps, ${distinctAccounts} owner accounts:`,
        `  bucket policy          ${sizes.bucketPolicy} B (limit ${S3_BUCKET_POLICY_LIMIT})`,
        `  key policy             ${sizes.keyPolicy} B (limit ${KMS_KEY_POLICY_LIMIT})`,
        `  owner mapping          ${sizes.ownerMapping} B (an S3 object: no policy limit applies)`,
        `  largest reader tag     ${sizes.largestReaderTag} chars (limit ${TAG_VALUE_LIMIT})`,
        `  owner policy, 5 apps   ${sizes.ownerPolicyForFiveApps} B (IAM managed policy limit ${IAM_MANAGED_POLICY_LIMIT})`,
      ].join('\n'),
    );
  });

  it('uses every one of the 1,000 accounts', () => {
    expect(distinctAccounts).toBe(ACCOUNTS);
  });

  // The per-app grants are object tags: neither policy grows with apps or accounts.
  it('keeps the bucket policy under 20 KB and the key policy under 32 KB', () => {
    expect(sizes.bucketPolicy).toBeLessThan(S3_BUCKET_POLICY_LIMIT);
    expect(sizes.keyPolicy).toBeLessThan(KMS_KEY_POLICY_LIMIT);
  });

  it("fits every app's reader accounts in one object tag value", () => {
    expect(sizes.largestReaderTag).toBeLessThanOrEqual(TAG_VALUE_LIMIT);
    const most = readersTagValue(Array.from({ length: MAX_READERS_PER_APP }, (_, i) => account(i)));
    expect(most.length).toBeLessThanOrEqual(TAG_VALUE_LIMIT);
  });

  it("keeps an owner's identity policy for five apps far under IAM's managed-policy limit", () => {
    expect(sizes.ownerPolicyForFiveApps).toBeLessThan(IAM_MANAGED_POLICY_LIMIT / 4);
  });
});
