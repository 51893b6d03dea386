import { App, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Bucket, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { bucketPolicyStatements, keyPolicyStatements } from '../../lambdas/core/access-policies';
import { LEASE_MS } from '../../lambdas/core/rotation-plan';
import { loadMintConfig } from '../../lib/config';
import { MintStack } from '../../lib/mint-stack';
import { renderDefinition, synthMint } from '../support/workflow-harness';

describe('MintStack', () => {
  const { template } = synthMint();
  const definition = renderDefinition(template) as { States: Record<string, Record<string, unknown>> };

  it('passes cdk-nag AwsSolutions at synth, every remaining finding acknowledged with a reason', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new MintStack(app, 'Mint', {
      config: loadMintConfig({
        'mint:kioUrl': 'https://kio.example.com',
        'mint:ownerOrganizationId': 'o-mint0example',
      }),
      env: { account: '111111111111', region: 'eu-central-1' },
    });
    // Every optional grant too: a Kio token, tracing (X-Ray on "*"), an environment-agnostic stack.
    new MintStack(app, 'MintAllOptions', {
      config: loadMintConfig({
        'mint:kioUrl': 'https://kio.example.com',
        'mint:kioTokenSecretName': 'mint/kio-token',
        'mint:tracing': true,
      }),
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => app.synth()).not.toThrow();
    } finally {
      errors.mockRestore();
    }
  });

  it('fails synth on an unacknowledged cdk-nag finding', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const bad = new MintStack(app, 'Mint', {
      config: loadMintConfig({ 'mint:kioUrl': 'https://kio.example.com' }),
    });
    new Bucket(bad, 'Unencrypted');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => app.synth()).toThrow();
    } finally {
      errors.mockRestore();
    }
  });

  it('encrypts the bucket with a rotating customer-managed key, versioned, private and TLS-only', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 1 } })]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  describe('who can read what', () => {
    const ORG = 'o-mint0example';
    const withOrg = synthMint({ 'mint:ownerOrganizationId': ORG });
    const statementsOf = (type: string, property: string) =>
      Object.values(withOrg.template.findResources(type)).flatMap(
        (r) => (r.Properties as Record<string, { Statement: { Sid?: string }[] }>)[property]?.Statement ?? [],
      );

    it('deploys exactly the bucket and key statements the policy-evaluation tests evaluate', () => {
      const { stack } = withOrg;
      const expectedBucket = stack.resolve(
        bucketPolicyStatements({
          bucketArn: stack.secrets.bucket.bucketArn,
          organizationId: ORG,
          mintAccountId: stack.account,
          mintRoleArns: Object.values(stack.workflow.functions).flatMap((fn) =>
            fn.role ? [fn.role.roleArn] : [],
          ),
        }),
      ) as { Sid: string }[];
      const bucketId = stack.getLogicalId(stack.secrets.bucket.node.defaultChild as CfnBucket);
      const [policy] = Object.values(
        withOrg.template.findResources('AWS::S3::BucketPolicy', {
          Properties: { Bucket: { Ref: bucketId } },
        }),
      );
      const deployedBucket =
        (policy?.Properties as { PolicyDocument: { Statement: { Sid?: string }[] } } | undefined)
          ?.PolicyDocument.Statement ?? [];
      expect(deployedBucket).toHaveLength(expectedBucket.length);
      for (const statement of expectedBucket) {
        expect(deployedBucket.find((s) => s.Sid === statement.Sid)).toEqual(statement);
      }
      const expectedKey = stack.resolve(
        keyPolicyStatements({ region: stack.region, organizationId: ORG }),
      ) as {
        Sid: string;
      }[];
      const deployedKey = statementsOf('AWS::KMS::Key', 'KeyPolicy');
      for (const statement of expectedKey) {
        expect(deployedKey.find((s) => s.Sid === statement.Sid)).toEqual(statement);
      }
    });

    it('grants no account outside Mint without an organization', () => {
      const sids = (type: string, property: string, t = template) =>
        Object.values(t.findResources(type)).flatMap((r) =>
          (
            (r.Properties as Record<string, { Statement: { Sid?: string; Effect: string }[] }>)[property]
              ?.Statement ?? []
          )
            .filter((s) => s.Effect === 'Allow')
            .map((s) => s.Sid),
        );
      expect(sids('AWS::S3::BucketPolicy', 'PolicyDocument')).toEqual([]);
      expect(sids('AWS::KMS::Key', 'KeyPolicy')).not.toContain(
        'OwnerAccountsDecryptTheirCredentialsThroughS3',
      );
      expect(sids('AWS::S3::BucketPolicy', 'PolicyDocument', withOrg.template)).toEqual([
        'OwnerAccountsReadTheirAppsCredentials',
      ]);
    });
  });

  it('creates users only under the path and only with the boundary', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CreateUsersWithBoundary',
            Action: 'iam:CreateUser',
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':user/mint/\\*$')])] },
            Condition: {
              StringEquals: { 'iam:PermissionsBoundary': Match.anyValue() },
              Null: { 'aws:RequestTag/mint:app-id': 'false' },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Sid: 'DenyAll' }] },
    });
  });

  it('never grants a wildcard action on a wildcard resource', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as {
        Effect: string;
        Action: unknown;
        Resource: unknown;
      }[]) {
        if (statement.Effect !== 'Allow') continue;
        const actions = ([] as unknown[]).concat(statement.Action);
        expect(
          actions.some((a) => a === '*' || (typeof a === 'string' && a.endsWith(':*'))) &&
            statement.Resource === '*',
        ).toBe(false);
      }
    }
  });

  it("gives rotation less time than an app's lease lasts, so a live holder always outlasts its lease", () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const rotate = Object.entries(functions).find(([id]) => id.includes('RotateBatch'))?.[1];
    expect(Number(rotate?.Properties.Timeout) * 1000).toBeLessThan(LEASE_MS);
  });

  it('starts a normal cycle every 5 minutes by default', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Input: '{}' })],
    });
  });

  it('logs the state machine without execution data', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ IncludeExecutionData: false, Level: 'ALL' }),
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('maps over batch references with bounded concurrency, and ends at the retry Map on failure', () => {
    const rotate = definition.States.RotateDueApps as Record<string, unknown>;
    expect(rotate).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.reconcile.batches',
      MaxConcurrency: 8,
      // One small result per batch, for Report; the retry Map keeps nothing.
      ResultPath: '$.rotation',
    });
    expect(definition.States.RetryFailedApps).toMatchObject({ ResultPath: null });
    expect(rotate.ItemSelector).toEqual({
      'cycle.$': '$.cycle',
      'batch.$': '$$.Map.Item.Value',
      retry: false,
    });
    const retry = definition.States.RetryFailedApps as {
      ItemsPath: string;
      ItemProcessor: {
        States: Record<string, { Retry: { ErrorEquals: string[]; JitterStrategy?: string }[] }>;
      };
    };
    expect(retry.ItemsPath).toBe('$.report.retryBatches');
    const retriers = retry.ItemProcessor.States.RetryBatch?.Retry ?? [];
    expect(retriers.map((r) => r.ErrorEquals[0])).toEqual(
      expect.arrayContaining(['Mint.AppsFailed', 'Mint.CycleBusy']),
    );
    expect(retriers.every((r) => r.JitterStrategy === 'FULL')).toBe(true);
    expect(definition.States['AnyAppFailed?']).toMatchObject({
      Choices: [{ Variable: '$.report.failedApps', NumericGreaterThan: 0, Next: 'RetryFailedApps' }],
    });
  });
});

describe('loadMintConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadMintConfig({ 'mint:kioUrl': 'https://kio.example.com' })).toMatchObject({
      schedule: 'rate(5 minutes)',
      userPath: '/mint/',
      passwordMaxAgeHours: 24,
      accessKeyMaxAgeDays: 30,
      previousKeyGraceHours: 24,
      maxDeletionsPerCycle: 10,
    });
  });

  it('coerces -c strings and names each bad key', () => {
    expect(
      loadMintConfig({
        'mint:kioUrl': 'https://k',
        'mint:maxDeletionsPerCycle': '3',
        'mint:tracing': 'true',
      }),
    ).toMatchObject({ maxDeletionsPerCycle: 3, tracing: true });
    expect(() => loadMintConfig({})).toThrow(/mint:kioUrl is required/);
    expect(() => loadMintConfig({ 'mint:kioUrl': 'https://k', 'mint:userPath': 'mint' })).toThrow(
      /mint:userPath="mint": must be an IAM path/,
    );
    expect(() => loadMintConfig({ 'mint:kioUrl': 'https://k', 'mint:kioURL': 'x' })).toThrow(
      /unknown key\(s\) mint:kioURL/,
    );
    expect(() => loadMintConfig({ 'mint:kioUrl': 'https://k', 'mint:previousKeyGraceHours': 800 })).toThrow(
      /previousKeyGraceHours.*shorter than accessKeyMaxAgeDays/,
    );
  });
});
