import {
  AddCustomAttributesCommand,
  CognitoIdentityProviderClient,
  CreateResourceServerCommand,
  CreateUserPoolCommand,
  DescribeResourceServerCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientSecretsCommand,
  ListUserPoolsCommand,
  type SchemaAttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  customAttributeName,
  markAttributeSchema,
  SERVICE_USER_PASSWORD_POLICY,
  scopesByResourceServer,
} from '../lambdas/contracts/cognito-attributes';
import { EmulatorUnsupportedError } from './emulator';
import { LOCAL_REGION } from './stack';

/** The pool `npm run local -- --identity-store cognito` creates, or finds again on a reused endpoint. */
export const LOCAL_USER_POOL_NAME = 'mint-local-service-users';

/** Where the app clients get tokens: `local/moto_cognito.py` serves the token endpoint at moto's root. */
export function localTokenEndpoint(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/oauth2/token`;
}

const markAttributes: SchemaAttributeType[] = markAttributeSchema();

function cognitoClient(): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: process.env.AWS_REGION ?? LOCAL_REGION,
    maxAttempts: 1,
  });
}

/**
 * The user pool the Cognito store works on, as the stack would create it: machines only, a password
 * policy Mint's 32-character passwords meet, Mint's marks declared as mutable String custom attributes,
 * and one resource server per identifier in `oauthScopes` with its scopes. Idempotent on an endpoint
 * that is reused: a pool of the same name is taken, and what it lacks is added. Returns the pool's id.
 */
export async function provisionUserPool(oauthScopes: string): Promise<string> {
  const cognito = cognitoClient();
  try {
    let poolId = await findPool(cognito);
    if (!poolId) {
      const created = await cognito.send(
        new CreateUserPoolCommand({
          PoolName: LOCAL_USER_POOL_NAME,
          AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
          Policies: {
            PasswordPolicy: {
              MinimumLength: SERVICE_USER_PASSWORD_POLICY.minimumLength,
              RequireLowercase: true,
              RequireUppercase: true,
              RequireNumbers: true,
              RequireSymbols: true,
              TemporaryPasswordValidityDays: SERVICE_USER_PASSWORD_POLICY.temporaryPasswordValidityDays,
            },
          },
          Schema: markAttributes,
        }),
      );
      poolId = created.UserPool?.Id;
      if (!poolId) throw new Error('CreateUserPool returned no pool id');
    } else {
      const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
      const declared = new Set((UserPool?.SchemaAttributes ?? []).map((a) => a.Name));
      const missing = markAttributes.filter((a) => !declared.has(customAttributeName(a.Name ?? '')));
      if (missing.length > 0)
        await cognito.send(new AddCustomAttributesCommand({ UserPoolId: poolId, CustomAttributes: missing }));
    }
    for (const [Identifier, names] of scopesByResourceServer(oauthScopes)) {
      const exists = await cognito
        .send(new DescribeResourceServerCommand({ UserPoolId: poolId, Identifier }))
        .then(
          () => true,
          (error: unknown) => {
            if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
            throw error;
          },
        );
      if (exists) continue;
      await cognito.send(
        new CreateResourceServerCommand({
          UserPoolId: poolId,
          Identifier,
          Name: Identifier,
          Scopes: names.map((ScopeName) => ({
            ScopeName,
            ScopeDescription: `Mint service users: ${Identifier}/${ScopeName}`,
          })),
        }),
      );
    }
    return poolId;
  } finally {
    cognito.destroy();
  }
}

async function findPool(cognito: CognitoIdentityProviderClient): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const page = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken: token }));
    const pool = page.UserPools?.find((p) => p.Name === LOCAL_USER_POOL_NAME);
    if (pool?.Id) return pool.Id;
    token = page.NextToken;
  } while (token);
  return undefined;
}

/** What an error says about the endpoint in one line: a deserialization error means "not a Cognito reply". */
function describeFailure(error: unknown): string {
  const e = error as Error & { $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const notCognito = e.name === 'SyntaxError' || /Deserialization error|<html/i.test(String(e.message));
  const what = notCognito
    ? '(not a Cognito response: the emulator does not know the action)'
    : `${e.name}: ${String(e.message).split('\n')[0]}`;
  return `${status ? `HTTP ${status} ` : ''}${what}`;
}

/**
 * The Cognito store rotates app client secrets and proves each one at the token endpoint. moto 5.2 has
 * neither; `local/moto_server.py` adds both. Found out once, before any cycle: ListUserPoolClientSecrets
 * must know the operation (an unknown client is ResourceNotFoundException), and POST /oauth2/token must
 * answer as an OAuth 2.0 token endpoint (a made-up client is `invalid_client`).
 */
export async function assertCognitoClientSecrets(userPoolId: string, endpoint: string): Promise<void> {
  const problems: string[] = [];
  const cognito = cognitoClient();
  try {
    await cognito.send(new ListUserPoolClientSecretsCommand({ UserPoolId: userPoolId, ClientId: 'probe' }));
    problems.push('ListUserPoolClientSecrets found a client that does not exist');
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException'))
      problems.push(`ListUserPoolClientSecrets answered ${describeFailure(error)}`);
  } finally {
    cognito.destroy();
  }
  try {
    const response = await fetch(localTokenEndpoint(endpoint), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('probe:probe').toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json().catch(() => undefined)) as { error?: unknown } | undefined;
    if (body?.error !== 'invalid_client')
      problems.push(`POST /oauth2/token answered HTTP ${response.status}, not an OAuth 2.0 error`);
  } catch (error) {
    problems.push(`POST /oauth2/token failed (${(error as Error).name})`);
  }
  if (problems.length > 0) {
    throw new EmulatorUnsupportedError(
      `AWS_ENDPOINT_URL=${endpoint}: this emulator cannot serve the Cognito identity store (${problems.join('; ')}). ` +
        'Mint rotates app client secrets and tests each at the token endpoint. ' +
        'Start moto with `python3 local/moto_server.py -H 127.0.0.1 -p 5000` (moto plus client secrets and ' +
        '/oauth2/token) and point AWS_ENDPOINT_URL at it, or unset AWS_ENDPOINT_URL and let `npm run local` start its own.',
    );
  }
}
