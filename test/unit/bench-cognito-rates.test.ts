import { apiClassOf, COGNITO_DEFAULT_RATES, Throttling } from '../../local/in-memory-aws/throttling';

describe("Cognito's request-rate categories in the in-memory AWS", () => {
  it('classifies the operations Mint calls by the documented category; secret operations in none', () => {
    const ops = [
      'AdminCreateUser',
      'AdminUpdateUserAttributes',
      'AdminDeleteUserAttributes',
      'AdminDeleteUser',
      'AdminSetUserPassword',
      'ListUsers',
      'ListUserPoolClients',
      'DescribeUserPoolClient',
      'CreateUserPoolClient',
      'DeleteUserPoolClient',
      'DescribeUserPool',
      'InitiateAuth',
      'AddUserPoolClientSecret',
      'ListUserPoolClientSecrets',
      'DeleteUserPoolClientSecret',
    ];
    expect(Object.fromEntries(ops.map((op) => [op, apiClassOf('cognito-idp', op)]))).toEqual({
      AdminCreateUser: 'cognitoUserCreation',
      AdminUpdateUserAttributes: 'cognitoUserUpdate',
      AdminDeleteUserAttributes: 'cognitoUserUpdate',
      AdminDeleteUser: 'cognitoUserUpdate',
      AdminSetUserPassword: 'cognitoUserAccountRecovery',
      ListUsers: 'cognitoUserList',
      ListUserPoolClients: 'cognitoUserPoolClientRead',
      DescribeUserPoolClient: 'cognitoUserPoolClientRead',
      CreateUserPoolClient: 'cognitoUserPoolClientUpdate',
      DeleteUserPoolClient: 'cognitoUserPoolClientUpdate',
      DescribeUserPool: 'cognitoUserPoolRead',
      InitiateAuth: 'cognitoUserAuthentication',
      AddUserPoolClientSecret: undefined,
      ListUserPoolClientSecrets: undefined,
      DeleteUserPoolClientSecret: undefined,
    });
    expect(COGNITO_DEFAULT_RATES).toEqual({
      cognitoUserCreation: 50,
      cognitoUserUpdate: 25,
      cognitoUserAccountRecovery: 30,
      cognitoUserList: 30,
      cognitoUserPoolClientRead: 15,
      cognitoUserPoolClientUpdate: 15,
      cognitoUserPoolRead: 15,
      cognitoUserAuthentication: 120,
    });
  });

  it('refuses a category over its rate with TooManyRequestsException (400), counted apart from IAM/STS/S3', async () => {
    const throttling = new Throttling({
      clock: { now: () => 0, sleep: async () => {} },
      throttle: { cognitoUserPoolClientRead: { ratePerSecond: 15, burst: 15 } },
    });
    const admit = (op: string) =>
      throttling.admit('cognito-idp', op, {}).then(
        () => 'ok',
        (error: Error & { $metadata?: { httpStatusCode?: number } }) =>
          `${error.name} ${error.$metadata?.httpStatusCode}`,
      );
    const outcomes: string[] = [];
    for (let i = 0; i < 16; i++)
      outcomes.push(await admit(i % 2 ? 'DescribeUserPoolClient' : 'ListUserPoolClients'));
    expect(outcomes.slice(0, 15).every((o) => o === 'ok')).toBe(true);
    expect(outcomes[15]).toBe('TooManyRequestsException 400');
    // ListUsers is another category, and the secret operations none: both still pass.
    expect([await admit('ListUsers'), await admit('AddUserPoolClientSecret')]).toEqual(['ok', 'ok']);
    expect(throttling.cognitoThrottled).toEqual({ cognitoUserPoolClientRead: 1 });
    expect(throttling.cognitoCalls).toEqual({ cognitoUserPoolClientRead: 16, cognitoUserList: 1 });
    expect(throttling.throttled).toEqual({ iamWrite: 0, iamRead: 0, sts: 0, s3: 0 });
    expect(throttling.refused).toEqual(['DescribeUserPoolClient']);
  });
});
