import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ownerReadPolicy } from '../../lambdas/core/access-policies';
import { MintCredentialsReader } from '../../packages/owner/src/mint-credentials-reader';

const KEY_ARN = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('MintCredentialsReader (the owner side)', () => {
  const ownerStack = () =>
    new Stack(new App(), 'OrdersService', { env: { account: '222222222222', region: 'us-east-1' } });

  it("gives the owner's role exactly the policy the evaluation tests evaluate, with Mint's region", () => {
    const stack = ownerStack();
    const role = new iam.Role(stack, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    new MintCredentialsReader(stack, 'MintCredentials', {
      bucketName: 'mint-secrets',
      keyArn: KEY_ARN,
      appIds: ['orders'],
      grantee: role,
    });
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const expected = ownerReadPolicy({
      bucketName: 'mint-secrets',
      keyArn: KEY_ARN,
      region: 'eu-central-1',
      appIds: ['orders'],
    });
    expect(policy?.Properties.PolicyDocument.Statement).toEqual(
      expected.Statement.map((s) => ({
        ...s,
        Resource: Array.isArray(s.Resource) && s.Resource.length === 1 ? s.Resource[0] : s.Resource,
      })),
    );
    expect(policy?.Properties.Roles).toEqual([
      { Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) },
    ]);
  });

  it('refuses no apps, and a token key ARN without a region', () => {
    const stack = ownerStack();
    const role = new iam.Role(stack, 'TaskRole', { assumedBy: new iam.AccountRootPrincipal() });
    expect(
      () =>
        new MintCredentialsReader(stack, 'None', {
          bucketName: 'b',
          keyArn: KEY_ARN,
          appIds: [],
          grantee: role,
        }),
    ).toThrow(/appIds must name at least one app/);
    const tokenArn = new iam.Role(stack, 'Other', { assumedBy: new iam.AccountRootPrincipal() }).roleArn;
    expect(
      () =>
        new MintCredentialsReader(stack, 'Token', {
          bucketName: 'b',
          keyArn: tokenArn,
          appIds: ['orders'],
          grantee: role,
        }),
    ).toThrow(/pass region when keyArn is not a literal ARN/);
  });
});
