import { Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import {
  COGNITO_MARK_ATTRIBUTES,
  COGNITO_MARK_MAX_LENGTH,
  markAttributeSchema,
  SERVICE_USER_PASSWORD_POLICY,
  scopesByResourceServer,
} from '../lambdas/contracts/cognito-attributes';
import { COGNITO_DOMAIN_RESERVED_WORDS } from './config';

/** A user pool Mint did not create (`mint:userPoolId`, `mint:tokenEndpoint`). */
export interface ExistingUserPool {
  /** The pool's id, such as `eu-central-1_AbC123xyz`. */
  readonly userPoolId: string;
  /** The pool's `https://<domain>/oauth2/token`: the stack cannot know another pool's domain. */
  readonly tokenEndpoint: string;
}

export interface ServiceUserPoolProps {
  /**
   * The scopes app clients may ask for with the `client_credentials` grant, space-separated
   * `<resource server id>/<scope name>` (`mint:oauthScopes`). A pool this construct creates gets one
   * resource server per id with its scopes; an existing pool must define them already.
   */
  readonly oauthScopes: string;
  /**
   * Use this pool instead of creating one. Nothing is added to it: it must already declare Mint's
   * custom attributes (`COGNITO_MARK_ATTRIBUTES`), the resource servers of `oauthScopes` and a domain.
   * @default - a pool for the service users is created
   */
  readonly existing?: ExistingUserPool;
  /**
   * The Cognito prefix domain of the pool this construct creates (`mint:userPoolDomainPrefix`), which
   * serves the token endpoint `https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token`. It must
   * be unique in the region across all AWS accounts. Not allowed with `existing`.
   * @default - `defaultDomainPrefix`: the stack name and the end of the stack's id
   */
  readonly domainPrefix?: string;
}

/**
 * A prefix no other stack or account has: the stack name made valid (lowercase, no reserved words) and
 * the last 12 hex digits of the stack's id, which CloudFormation makes unique. Not the account id, which
 * a public DNS name would show to anyone.
 */
export function defaultDomainPrefix(stack: Stack): string {
  let name = stack.stackName.toLowerCase();
  for (const word of COGNITO_DOMAIN_RESERVED_WORDS) name = name.replaceAll(word, '');
  name = name
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 50)
    .replace(/-$/, '');
  const stackIdEnd = Fn.select(4, Fn.split('-', Fn.select(2, Fn.split('/', stack.stackId))));
  return `${name || 'mint'}-${stackIdEnd}`;
}

/**
 * The Amazon Cognito user pool that holds the service users when `mint:identityStore` is `cognito`:
 * created for Mint, or an existing one imported by id. A created pool is for machines only: no
 * self sign-up, sign-in by username, no messages (Mint creates users with `MessageAction: SUPPRESS`
 * and sets their passwords itself), no account recovery, a strong password policy; it declares Mint's
 * custom attributes and the resource servers of `mint:oauthScopes`, and has a Cognito prefix domain
 * for the token endpoint. It holds live credentials, so it is retained and deletion-protected.
 */
export class ServiceUserPool extends Construct {
  readonly userPool: cognito.IUserPool;
  /** `https://<domain>/oauth2/token`, where app clients exchange their client credentials for tokens. */
  readonly tokenEndpoint: string;
  /** The domain this construct created (none for an existing pool). */
  readonly domain?: cognito.UserPoolDomain;
  /** The resource servers this construct created, by id (none for an existing pool). */
  readonly resourceServers: ReadonlyMap<string, cognito.UserPoolResourceServer>;

  constructor(scope: Construct, id: string, props: ServiceUserPoolProps) {
    super(scope, id);
    if (props.existing) {
      if (props.domainPrefix !== undefined) {
        throw new Error(
          'ServiceUserPool: domainPrefix names the domain of a created pool, not of an existing one',
        );
      }
      this.userPool = cognito.UserPool.fromUserPoolId(this, 'Existing', props.existing.userPoolId);
      this.tokenEndpoint = props.existing.tokenEndpoint;
      this.resourceServers = new Map();
      return;
    }

    const pool = new cognito.UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      accountRecovery: cognito.AccountRecovery.NONE,
      mfa: cognito.Mfa.OFF,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      passwordPolicy: {
        minLength: SERVICE_USER_PASSWORD_POLICY.minimumLength,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(SERVICE_USER_PASSWORD_POLICY.temporaryPasswordValidityDays),
      },
      customAttributes: Object.fromEntries(
        Object.values(COGNITO_MARK_ATTRIBUTES).map((name) => [
          name,
          new cognito.StringAttribute({ maxLen: COGNITO_MARK_MAX_LENGTH, mutable: true }),
        ]),
      ),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPool = pool;

    const servers = new Map<string, cognito.UserPoolResourceServer>();
    for (const [identifier, names] of scopesByResourceServer(props.oauthScopes)) {
      servers.set(
        identifier,
        pool.addResourceServer(`ResourceServer-${identifier}`, {
          identifier,
          userPoolResourceServerName: identifier,
          scopes: names.map(
            (scopeName) =>
              new cognito.ResourceServerScope({
                scopeName,
                scopeDescription: `Mint service users: ${identifier}/${scopeName}`,
              }),
          ),
        }),
      );
    }
    this.resourceServers = servers;

    this.domain = pool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? defaultDomainPrefix(Stack.of(this)) },
    });
    this.tokenEndpoint = `${this.domain.baseUrl()}/oauth2/token`;

    Validations.of(pool).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-COG2',
        reason:
          'Service users are programs: an app signs in with the random password Mint generates and rotates ' +
          '(InitiateAuth), or with its client credentials at /oauth2/token, which MFA does not cover. A ' +
          'second factor would have to be a TOTP seed stored beside the password in the same credentials ' +
          'file, readable by the same roles: no second factor at all, only a second secret to rotate.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG8',
        reason:
          "Plus adds threat protection, which scores people's sign-ins (new device, unusual place) and " +
          'checks chosen passwords against leaked-credential lists. Service users never choose a password: ' +
          "each is 32 random characters made by Mint, readable only by its app's owner accounts, replaced " +
          'every mint:passwordMaxAgeHours. Plus is billed per active user, so every service user every ' +
          'month, for checks that cannot match; the pool stays on Essentials, the default plan.',
      },
    );
  }

  /** The custom attributes Mint needs, as `AddCustomAttributes` takes them (for an existing pool). */
  static requiredCustomAttributes(): ReturnType<typeof markAttributeSchema> {
    return markAttributeSchema();
  }
}
