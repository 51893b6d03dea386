import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { COGNITO_MARK_ATTRIBUTES, COGNITO_MARK_MAX_LENGTH } from '../../lambdas/contracts/cognito-attributes';
import { readFunctionSettings } from '../../lambdas/contracts/settings';
import { loadMintConfig } from '../../lib/config';
import { MintStack } from '../../lib/mint-stack';
import { ServiceUserPool } from '../../lib/service-user-pool';
import { Authorizer } from '../support/authorization/authorizer';
import { MUST_NEVER } from '../support/authorization/must-never';
import { type AwsWorld, permissionsFor, type SdkCall } from '../support/authorization/sdk-permissions';
import type { DeployedTemplate } from '../support/authorization/template-policies';
import { deployedTemplate, synthMint } from '../support/workflow-harness';

/**
 * The identity store choice as deployed: a Cognito user pool (created or existing) with grants on that
 * pool only, or IAM with an optional group. Grants are evaluated as AWS would, with the authorization
 * tier's SDK-to-IAM table and iam-simulate, against the synthesized template.
 */

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

const REGION = 'eu-central-1';
const ACCOUNT = '111111111111';
const EXISTING_POOL = 'eu-central-1_AbC123xyz';
const EXISTING_ENDPOINT = 'https://acme-auth.auth.eu-central-1.amazoncognito.com/oauth2/token';
const GROUP = 'mint-service-users';
const BOUNDARY = 'arn:aws:iam::111111111111:policy/mint-apps-boundary';

const RECONCILE_POOL_ACTIONS = [
  'ListUsers',
  'ListUserPoolClients',
  'AdminCreateUser',
  'AdminUpdateUserAttributes',
  'AdminDeleteUserAttributes',
  'AdminDeleteUser',
  'AdminGetUser',
  'CreateUserPoolClient',
  'DeleteUserPoolClient',
].map((a) => `cognito-idp:${a}`);
const ROTATE_POOL_ACTIONS = [
  'AdminGetUser',
  'AdminUpdateUserAttributes',
  'AdminDeleteUserAttributes',
  'AdminSetUserPassword',
  'DescribeUserPool',
  'AddUserPoolClientSecret',
  'ListUserPoolClientSecrets',
  'DeleteUserPoolClientSecret',
].map((a) => `cognito-idp:${a}`);

const resources = (template: Template, type: string) =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);

function functionId(template: Template, name: string): string {
  const found = resources(template, 'AWS::Lambda::Function').find(([id]) => id.includes(`${name}Fn`));
  if (!found) throw new Error(`no ${name}Fn in the template`);
  return found[0];
}

function environmentOf(template: Template, name: string): Record<string, unknown> {
  const [, fn] = resources(template, 'AWS::Lambda::Function').find(([id]) => id.includes(`${name}Fn`)) ?? [];
  const environment = fn?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined;
  return environment?.Variables ?? {};
}

/** Every statement of a function's role, as deployed (intrinsics resolved). */
function statementsOf(deployed: DeployedTemplate, template: Template, name: string): Statement[] {
  return deployed.principal(deployed.functionRole(functionId(template, name))).statements as Statement[];
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const actionsOf = (statements: Statement[], prefix: string) =>
  statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => list(s.Action).filter((a) => a.startsWith(prefix)));

const world: AwsWorld = {
  account: ACCOUNT,
  region: REGION,
  bucketKeyArn: () => undefined,
  user: () => undefined,
  object: () => undefined,
};

/** What AWS decides for `call` made by function `name`'s role. */
async function decide(template: Template, authorizer: Authorizer, name: string, call: SdkCall) {
  const role = authorizer.template.functionRole(functionId(template, name));
  const decisions = await Promise.all(permissionsFor(call, world).map((r) => authorizer.decide(role, r)));
  return decisions.every((d) => d === 'Allowed') ? 'Allowed' : decisions.find((d) => d !== 'Allowed');
}

const poolCall = (operation: string, userPoolId: string): SdkCall => ({
  service: 'cognito-idp',
  operation,
  input: { UserPoolId: userPoolId, Username: 'orders', ClientId: 'c1' },
});

/** MUST_NEVER, evaluated as each of this template's functions (as the authorization tier does). */
async function mustNeverRefusals(template: Template, deployed: DeployedTemplate, authorizer: Authorizer) {
  const allowed: string[] = [];
  for (const [fn] of resources(template, 'AWS::Lambda::Function')) {
    const name = fn.replace(/^Rotation|Fn[0-9A-F]+$/g, '');
    for (const rule of MUST_NEVER) {
      if (rule.appliesTo && !rule.appliesTo.includes(name)) continue;
      const mayDo = rule.except?.includes(name) ?? false;
      for (const request of rule.requests(deployed)) {
        const decision = await authorizer.decide(deployed.functionRole(fn), request);
        if ((decision === 'Allowed') !== mayDo)
          allowed.push(`${name} ${request.action} ${request.resource}: ${decision}`);
      }
    }
  }
  return allowed;
}

describe('mint:identityStore=cognito: a user pool the stack creates', () => {
  const { template, stack } = synthMint({
    'mint:identityStore': 'cognito',
    'mint:oauthScopes': 'mint/access mint/write orders/read',
    'mint:userPoolDomainPrefix': 'acme-mint',
  });
  const deployed = deployedTemplate(template);
  const authorizer = new Authorizer(deployed);
  const [[poolId, pool] = ['', undefined]] = resources(template, 'AWS::Cognito::UserPool');
  const poolArn = deployed.userPoolArn();

  it('creates one pool for machines: no self sign-up, username sign-in, strong passwords, no recovery by mail', () => {
    expect(resources(template, 'AWS::Cognito::UserPool')).toHaveLength(1);
    expect(pool?.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OFF',
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'admin_only', Priority: 1 }] },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 32,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
    // Sign-in by username: no email or phone stands in for it, none is verified.
    expect(pool?.Properties.UsernameAttributes).toBeUndefined();
    expect(pool?.Properties.AliasAttributes).toBeUndefined();
    expect(pool?.Properties.AutoVerifiedAttributes).toBeUndefined();
  });

  it('keeps the pool, which holds live credentials: deletion protection and Retain', () => {
    expect(pool?.Properties.DeletionProtection).toBe('ACTIVE');
    expect(pool?.DeletionPolicy).toBe('Retain');
  });

  it("declares exactly Mint's mark attributes: strings, mutable, as long as a mark can be", () => {
    expect(pool?.Properties.Schema).toEqual(
      Object.values(COGNITO_MARK_ATTRIBUTES).map((name) => ({
        Name: name,
        AttributeDataType: 'String',
        Mutable: true,
        StringAttributeConstraints: { MaxLength: String(COGNITO_MARK_MAX_LENGTH) },
      })),
    );
  });

  it('defines the scopes of mint:oauthScopes, one resource server per id', () => {
    const servers = resources(template, 'AWS::Cognito::UserPoolResourceServer').map(([, r]) => ({
      id: r.Properties.Identifier,
      pool: r.Properties.UserPoolId,
      scopes: (r.Properties.Scopes as { ScopeName: string }[]).map((s) => s.ScopeName),
    }));
    expect(servers).toEqual([
      { id: 'mint', pool: { Ref: poolId }, scopes: ['access', 'write'] },
      { id: 'orders', pool: { Ref: poolId }, scopes: ['read'] },
    ]);
  });

  it('serves the token endpoint on its Cognito prefix domain, and outputs it with the pool id', () => {
    const [[domainId, domain] = ['', undefined]] = resources(template, 'AWS::Cognito::UserPoolDomain');
    expect(domain?.Properties).toEqual({ Domain: 'acme-mint', UserPoolId: { Ref: poolId } });
    const endpoint = {
      'Fn::Join': ['', ['https://', { Ref: domainId }, `.auth.${REGION}.amazoncognito.com/oauth2/token`]],
    };
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.TokenEndpoint?.Value).toEqual(endpoint);
    expect(outputs.UserPoolId?.Value).toEqual({ Ref: poolId });
    expect(environmentOf(template, 'RotateBatch').MINT_TOKEN_ENDPOINT).toEqual(endpoint);
  });

  it('derives a domain prefix from the stack when none is configured: valid, and unique per stack', () => {
    const { template: derived } = synthMint({ 'mint:identityStore': 'cognito' });
    const [[, domain] = ['', undefined]] = resources(derived, 'AWS::Cognito::UserPoolDomain');
    // `mint-` and the last 12 hex digits of the stack's id (CloudFormation resolves it at deploy).
    expect(domain?.Properties.Domain).toEqual({
      'Fn::Join': [
        '',
        [
          'mint-',
          {
            'Fn::Select': [
              4,
              { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
            ],
          },
        ],
      ],
    });
    expect(stack.stackName).toBe('Mint');
  });

  it("gives Reconcile and RotateBatch the pool's settings and no IAM ones; the others nothing of the store", () => {
    for (const name of ['Reconcile', 'RotateBatch']) {
      const env = environmentOf(template, name);
      expect(env).toMatchObject({
        MINT_IDENTITY_STORE: 'cognito',
        MINT_USER_POOL_ID: { Ref: poolId },
        MINT_OAUTH_SCOPES: 'mint/access mint/write orders/read',
        MINT_COGNITO_WRITES_PER_SECOND: '10',
      });
      for (const iamOnly of [
        'MINT_BOUNDARY_ARN',
        'MINT_USER_PATH',
        'MINT_SERVICE_USER_GROUP',
        'MINT_IAM_WRITES_PER_SECOND',
      ])
        expect(Object.keys(env)).not.toContain(iamOnly);
      const resolved = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [
          k,
          typeof v === 'string'
            ? v
            : k === 'MINT_TOKEN_ENDPOINT'
              ? EXISTING_ENDPOINT
              : String(deployed.resolve(v)),
        ]),
      );
      expect(
        readFunctionSettings(name === 'Reconcile' ? 'reconcile' : 'rotateBatch', resolved),
      ).toMatchObject({
        identityStore: 'cognito',
        userPoolId: `${REGION}_${poolId}`,
        oauthScopes: 'mint/access mint/write orders/read',
      });
    }
    expect(Object.keys(environmentOf(template, 'Reconcile'))).not.toContain('MINT_TOKEN_ENDPOINT');
    for (const name of ['StartCycle', 'ListApps', 'Report'])
      expect(
        Object.keys(environmentOf(template, name)).filter((k) => /POOL|IDENTITY|SCOPES|TOKEN/.test(k)),
      ).toEqual([]);
  });

  it("grants Reconcile and RotateBatch exactly their Cognito actions, on the pool's ARN and nothing else", () => {
    expect(poolArn).toBe(`arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${REGION}_${poolId}`);
    for (const [name, expected] of [
      ['Reconcile', RECONCILE_POOL_ACTIONS],
      ['RotateBatch', ROTATE_POOL_ACTIONS],
    ] as const) {
      const statements = statementsOf(deployed, template, name).filter((s) =>
        list(s.Action).some((a) => a.startsWith('cognito-idp:')),
      );
      expect(new Set(actionsOf(statements, 'cognito-idp:'))).toEqual(new Set(expected));
      for (const s of statements) expect(s.Resource).toBe(poolArn);
    }
    for (const name of ['StartCycle', 'ListApps', 'Report'])
      expect(actionsOf(statementsOf(deployed, template, name), 'cognito-idp:')).toEqual([]);
  });

  it('grants no IAM user permissions, creates no boundary and carries no IAM user denies', () => {
    for (const name of ['StartCycle', 'ListApps', 'Reconcile', 'RotateBatch', 'Report']) {
      const statements = statementsOf(deployed, template, name);
      expect(statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith('iam:'))).toEqual([]);
    }
    expect(resources(template, 'AWS::IAM::ManagedPolicy')).toEqual([]);
  });

  it('is allowed what each function does to the pool, and refused the rest, as AWS decides it', async () => {
    const mint = `${REGION}_${poolId}`;
    const other = `${REGION}_Other1`;
    const cases: [string, SdkCall, string][] = [
      ['Reconcile', poolCall('AdminCreateUser', mint), 'Allowed'],
      ['Reconcile', poolCall('CreateUserPoolClient', mint), 'Allowed'],
      ['Reconcile', poolCall('AdminDeleteUser', mint), 'Allowed'],
      ['Reconcile', poolCall('AdminCreateUser', other), 'ImplicitlyDenied'],
      ['Reconcile', poolCall('AdminSetUserPassword', mint), 'ImplicitlyDenied'],
      ['RotateBatch', poolCall('AdminSetUserPassword', mint), 'Allowed'],
      ['RotateBatch', poolCall('AddUserPoolClientSecret', mint), 'Allowed'],
      ['RotateBatch', poolCall('AdminSetUserPassword', other), 'ImplicitlyDenied'],
      ['RotateBatch', poolCall('AdminCreateUser', mint), 'ImplicitlyDenied'],
      ['RotateBatch', poolCall('DeleteUserPoolClient', mint), 'ImplicitlyDenied'],
      ['ListApps', poolCall('ListUsers', mint), 'ImplicitlyDenied'],
      // An app's sign-in, which rotation makes to test the new password, needs no grant.
      [
        'RotateBatch',
        { service: 'cognito-idp', operation: 'InitiateAuth', input: { ClientId: 'c1' } },
        'Allowed',
      ],
    ];
    for (const [name, call, expected] of cases) {
      const label = `${name} ${call.operation} ${String(call.input.UserPoolId)}`;
      expect(`${label}: ${await decide(template, authorizer, name, call)}`).toBe(`${label}: ${expected}`);
    }
  });

  it('allows nothing on the must-never list', async () => {
    expect(await mustNeverRefusals(template, deployed, authorizer)).toEqual([]);
  });
});

describe('mint:identityStore=cognito with mint:userPoolId: an existing pool', () => {
  const { template } = synthMint({
    'mint:identityStore': 'cognito',
    'mint:userPoolId': EXISTING_POOL,
    'mint:tokenEndpoint': EXISTING_ENDPOINT,
  });
  const deployed = deployedTemplate(template);
  const authorizer = new Authorizer(deployed);
  const poolArn = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${EXISTING_POOL}`;

  it('creates no pool, domain or resource server, and hands the functions the configured pool and endpoint', () => {
    const cognito = Object.values(template.toJSON().Resources as Record<string, Resource>).filter((r) =>
      r.Type.startsWith('AWS::Cognito::'),
    );
    expect(cognito).toEqual([]);
    expect(environmentOf(template, 'RotateBatch')).toMatchObject({
      MINT_USER_POOL_ID: EXISTING_POOL,
      MINT_TOKEN_ENDPOINT: EXISTING_ENDPOINT,
    });
    expect(environmentOf(template, 'Reconcile')).toMatchObject({ MINT_USER_POOL_ID: EXISTING_POOL });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.TokenEndpoint?.Value).toBe(EXISTING_ENDPOINT);
    expect(outputs.UserPoolId?.Value).toBe(EXISTING_POOL);
  });

  it("grants on that pool's ARN only", async () => {
    expect(deployed.userPoolArn()).toBe(poolArn);
    for (const name of ['Reconcile', 'RotateBatch']) {
      const statements = statementsOf(deployed, template, name).filter((s) =>
        list(s.Action).some((a) => a.startsWith('cognito-idp:')),
      );
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) expect(s.Resource).toBe(poolArn);
    }
    expect(
      await decide(template, authorizer, 'RotateBatch', poolCall('AdminSetUserPassword', EXISTING_POOL)),
    ).toBe('Allowed');
    expect(
      await decide(template, authorizer, 'Reconcile', poolCall('AdminCreateUser', `${REGION}_Other1`)),
    ).toBe('ImplicitlyDenied');
    expect(await mustNeverRefusals(template, deployed, authorizer)).toEqual([]);
  });
});

describe("the README's command for an existing pool", () => {
  it("adds exactly Mint's custom attributes, as the created pool declares them", () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const command = readme.slice(readme.indexOf('aws cognito-idp add-custom-attributes'));
    const listed = JSON.parse(command.slice(command.indexOf("'[") + 1, command.indexOf("]'") + 1));
    expect(listed).toEqual(ServiceUserPool.requiredCustomAttributes());
  });
});

describe('mint:identityStore=iam with mint:serviceUserGroup', () => {
  const { template } = synthMint({ 'mint:serviceUserGroup': GROUP, 'mint:permissionsBoundaryArn': BOUNDARY });
  const deployed = deployedTemplate(template);
  const authorizer = new Authorizer(deployed);
  const groupArn = `arn:aws:iam::${ACCOUNT}:group/${GROUP}`;
  const groupCall = (operation: string, group: string): SdkCall => ({
    service: 'iam',
    operation,
    input: { GroupName: group, UserName: 'orders' },
  });

  it('lets Reconcile put users in that one group and take them out, and nothing else any group', async () => {
    const groupStatements = statementsOf(deployed, template, 'Reconcile').filter((s) =>
      list(s.Action).some((a) => a.endsWith('ToGroup') || a.endsWith('FromGroup')),
    );
    expect(groupStatements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['iam:AddUserToGroup', 'iam:RemoveUserFromGroup'],
        Resource: groupArn,
      }),
    ]);
    expect(await decide(template, authorizer, 'Reconcile', groupCall('AddUserToGroup', GROUP))).toBe(
      'Allowed',
    );
    expect(await decide(template, authorizer, 'Reconcile', groupCall('RemoveUserFromGroup', GROUP))).toBe(
      'Allowed',
    );
    expect(await decide(template, authorizer, 'Reconcile', groupCall('AddUserToGroup', 'Admins'))).toBe(
      'ImplicitlyDenied',
    );
    expect(await decide(template, authorizer, 'RotateBatch', groupCall('AddUserToGroup', GROUP))).toBe(
      'ImplicitlyDenied',
    );
    expect(await mustNeverRefusals(template, deployed, authorizer)).toEqual([]);
  });

  it('tells the functions the group; without the key, no function may touch any group', () => {
    expect(environmentOf(template, 'Reconcile')).toMatchObject({
      MINT_IDENTITY_STORE: 'iam',
      MINT_SERVICE_USER_GROUP: GROUP,
    });
    const { template: plain } = synthMint();
    const plainDeployed = deployedTemplate(plain);
    for (const name of ['Reconcile', 'RotateBatch'])
      expect(
        actionsOf(statementsOf(plainDeployed, plain, name), 'iam:').filter((a) =>
          /ToGroup|FromGroup/.test(a),
        ),
      ).toEqual([]);
    expect(Object.keys(environmentOf(plain, 'Reconcile'))).not.toContain('MINT_SERVICE_USER_GROUP');
  });
});

describe('cdk-nag with either identity store', () => {
  it('passes AwsSolutions, every finding acknowledged with a reason', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const env = { account: ACCOUNT, region: REGION };
    const base = { 'mint:kioUrl': 'https://kio.example.com' };
    new MintStack(app, 'MintCognito', {
      config: loadMintConfig({ ...base, 'mint:identityStore': 'cognito' }),
      env,
    });
    new MintStack(app, 'MintCognitoAgnostic', {
      config: loadMintConfig({ ...base, 'mint:identityStore': 'cognito', 'mint:tracing': true }),
    });
    new MintStack(app, 'MintExistingPool', {
      config: loadMintConfig({
        ...base,
        'mint:identityStore': 'cognito',
        'mint:userPoolId': EXISTING_POOL,
        'mint:tokenEndpoint': EXISTING_ENDPOINT,
      }),
      env,
    });
    new MintStack(app, 'MintGroup', {
      config: loadMintConfig({
        ...base,
        'mint:serviceUserGroup': GROUP,
        'mint:permissionsBoundaryArn': BOUNDARY,
      }),
      env,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => app.synth()).not.toThrow();
    } finally {
      errors.mockRestore();
    }
  });
});

describe('the identity store keys, checked across each other at synth', () => {
  const base = { 'mint:kioUrl': 'https://kio.example.com' };
  const cognito = { ...base, 'mint:identityStore': 'cognito' };

  it('needs mint:userPoolId and mint:tokenEndpoint together', () => {
    expect(() => loadMintConfig({ ...cognito, 'mint:userPoolId': EXISTING_POOL })).toThrow(
      /mint:userPoolId="eu-central-1_AbC123xyz": .*set mint:tokenEndpoint/,
    );
    expect(() => loadMintConfig({ ...cognito, 'mint:tokenEndpoint': EXISTING_ENDPOINT })).toThrow(
      /mint:tokenEndpoint=".*": .*set mint:userPoolId .*or remove mint:tokenEndpoint/,
    );
    expect(
      loadMintConfig({
        ...cognito,
        'mint:userPoolId': EXISTING_POOL,
        'mint:tokenEndpoint': EXISTING_ENDPOINT,
      }),
    ).toMatchObject({ identityStore: 'cognito', userPoolId: EXISTING_POOL });
  });

  it('takes each store’s keys only with that store, saying what to change', () => {
    expect(() => loadMintConfig({ ...cognito, 'mint:serviceUserGroup': GROUP })).toThrow(
      /mint:serviceUserGroup="mint-service-users": .*only with mint:identityStore=iam \(it is cognito\): remove mint:serviceUserGroup or set mint:identityStore=iam/,
    );
    expect(() =>
      loadMintConfig({ ...cognito, 'mint:permissionsBoundaryArn': 'arn:aws:iam::111111111111:policy/b' }),
    ).toThrow(/mint:permissionsBoundaryArn=.*only with mint:identityStore=iam/);
    for (const [key, value] of [
      ['userPoolId', EXISTING_POOL],
      ['tokenEndpoint', EXISTING_ENDPOINT],
      ['userPoolDomainPrefix', 'acme-mint'],
    ]) {
      expect(() => loadMintConfig({ ...base, [`mint:${key}`]: value })).toThrow(
        new RegExp(
          `mint:${key}=.*only with mint:identityStore=cognito \\(it is iam\\): remove mint:${key} or set mint:identityStore=cognito`,
        ),
      );
    }
    expect(() =>
      loadMintConfig({
        ...cognito,
        'mint:userPoolId': EXISTING_POOL,
        'mint:tokenEndpoint': EXISTING_ENDPOINT,
        'mint:userPoolDomainPrefix': 'acme-mint',
      }),
    ).toThrow(/mint:userPoolDomainPrefix="acme-mint": .*existing pool/);
  });

  it("refuses a group under the stack's deny-all boundary, which would cap its policies to nothing", () => {
    expect(() => loadMintConfig({ ...base, 'mint:serviceUserGroup': GROUP })).toThrow(
      /mint:serviceUserGroup="mint-service-users": would grant nothing: .*set mint:permissionsBoundaryArn/,
    );
    expect(
      loadMintConfig({ ...base, 'mint:serviceUserGroup': GROUP, 'mint:permissionsBoundaryArn': BOUNDARY }),
    ).toMatchObject({
      serviceUserGroup: GROUP,
    });
  });

  it('refuses a domain prefix Cognito would refuse', () => {
    for (const prefix of [
      'Mint',
      '-mint',
      'mint-',
      'mint_auth',
      'a'.repeat(64),
      'my-aws-mint',
      'cognito-mint',
    ]) {
      expect(() => loadMintConfig({ ...cognito, 'mint:userPoolDomainPrefix': prefix })).toThrow(
        /mint:userPoolDomainPrefix=/,
      );
    }
    expect(
      loadMintConfig({ ...cognito, 'mint:userPoolDomainPrefix': 'acme-mint-1' }).userPoolDomainPrefix,
    ).toBe('acme-mint-1');
  });

  it('refuses scopes Cognito would refuse, and a scope listed twice', () => {
    expect(() => loadMintConfig({ ...cognito, 'mint:oauthScopes': 'mint/a"b' })).toThrow(
      /mint:oauthScopes=.*not a Cognito scope/,
    );
    expect(() => loadMintConfig({ ...cognito, 'mint:oauthScopes': 'mint/access mint/access' })).toThrow(
      /mint:oauthScopes=.*twice/,
    );
  });

  it("sizes batches by the chosen store's write rate", () => {
    // 200 apps × 4 writes at 95 % of 10/s shared by 8 batches: 674 s, too long for either store's rate.
    expect(() => loadMintConfig({ ...cognito, 'mint:batchSize': '200' })).toThrow(
      /needs about 674 s per batch at mint:cognitoWritesPerSecond 10 .*\(4 Cognito writes per app\).*raise mint:cognitoWritesPerSecond/,
    );
    // 100 apps fit Cognito's default rate and not IAM's.
    expect(() => loadMintConfig({ ...cognito, 'mint:batchSize': '100' })).not.toThrow();
    expect(() => loadMintConfig({ ...base, 'mint:batchSize': '100' })).toThrow(/mint:iamWritesPerSecond 5/);
  });
});
