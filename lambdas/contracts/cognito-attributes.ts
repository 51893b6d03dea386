import { READERS_TAG } from '../core/owners';
import { TAG } from '../core/service-users';

/**
 * What Mint records on a service user, as Cognito custom attributes: the IAM store keeps the same marks
 * as user tags. Cognito has no tags on users, and a pool's custom attributes must be declared on the pool
 * (the stack declares these; `AddCustomAttributes` adds them to a pool Mint did not create). Names stay
 * short: Cognito allows 20 characters after `custom:`. App clients get no write access to them, so an
 * app signed in as its user cannot change its own rotation state.
 */
export const COGNITO_MARK_ATTRIBUTES = {
  [TAG.appId]: 'mint_app',
  [TAG.passwordRotatedAt]: 'mint_pw_at',
  [TAG.keyRotatedAt]: 'mint_key_at',
  [TAG.keyId]: 'mint_key_id',
  [TAG.previousKeyId]: 'mint_prev_key',
  [TAG.rotationStartedAt]: 'mint_started',
  [TAG.failures]: 'mint_failures',
  [TAG.lastFailure]: 'mint_last_fail',
  [TAG.lastError]: 'mint_last_error',
  [READERS_TAG]: 'mint_readers',
  /** Not a tag in IAM: the id of the app client that belongs to the user. */
  'mint:client-id': 'mint_client',
} as const;

export const COGNITO_CLIENT_ID_MARK = 'mint:client-id';

/** Longest value Mint stores in one attribute (IAM's tag value limit, which every mark already fits). */
export const COGNITO_MARK_MAX_LENGTH = 256;

/** `custom:<name>` for each mark, as the Cognito API names them. */
export function customAttributeName(name: string): string {
  return `custom:${name}`;
}

/** Mint's marks as a pool declares them (`CreateUserPool` Schema, `AddCustomAttributes`). */
export function markAttributeSchema(): {
  Name: string;
  AttributeDataType: 'String';
  Mutable: true;
  StringAttributeConstraints: { MaxLength: string };
}[] {
  return Object.values(COGNITO_MARK_ATTRIBUTES).map((name) => ({
    Name: name,
    AttributeDataType: 'String',
    Mutable: true,
    StringAttributeConstraints: { MaxLength: String(COGNITO_MARK_MAX_LENGTH) },
  }));
}

/**
 * The password policy of a pool made for Mint's service users: Mint generates 32 random characters of
 * every class (lambdas/core/password.ts), and a user has Cognito's temporary password only until Mint
 * sets its own, so one day is enough.
 */
export const SERVICE_USER_PASSWORD_POLICY = { minimumLength: 32, temporaryPasswordValidityDays: 1 } as const;

/** `mint:oauthScopes` as a list: space-separated `<resource server id>/<scope name>`. */
export function oauthScopeList(oauthScopes: string): string[] {
  return oauthScopes.split(' ').filter(Boolean);
}

/** `mint/access mint/admin other/read` grouped by resource server: mint → [access, admin], other → [read]. */
export function scopesByResourceServer(oauthScopes: string): Map<string, string[]> {
  const servers = new Map<string, string[]>();
  for (const scope of oauthScopeList(oauthScopes)) {
    const [server = '', name = ''] = scope.split('/');
    servers.set(server, [...(servers.get(server) ?? []), name]);
  }
  return servers;
}
