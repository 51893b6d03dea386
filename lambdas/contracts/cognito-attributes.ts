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
