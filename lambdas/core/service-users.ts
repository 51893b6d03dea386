import { isAppId } from './apps';

/**
 * What Mint knows about a service user comes from the user itself: its path, its boundary and its
 * tags. `GetAccountAuthorizationDetails` returns all of that for 1,000 users per call, so deciding
 * what is due never costs a call per app.
 */
export const TAG = {
  appId: 'mint:app-id',
  passwordRotatedAt: 'mint:password-rotated-at',
  keyRotatedAt: 'mint:key-rotated-at',
  /**
   * The store's id of the published client secret, when the document itself does not name it (a Cognito
   * client's secrets share its client_id; IAM's access key id is the document's client_id).
   */
  keyId: 'mint:key-id',
  previousKeyId: 'mint:previous-key-id',
  /** Set (to a timestamp) before Mint changes anything in IAM, cleared after publishing. */
  rotationStartedAt: 'mint:rotation-started-at',
  /** Failed rotation attempts in a row; a successful attempt sets it back to 0. */
  failures: 'mint:failures',
  /** `<ISO time> <step>` of the latest failed attempt. Kept after recovery, as history. */
  lastFailure: 'mint:last-failure',
  /** The latest failure's error, secret-free, reduced to the characters IAM allows in a tag value. */
  lastError: 'mint:last-error',
} as const;

export interface ServiceUser {
  userName: string;
  /** The store's identifier of the user (IAM: its ARN, which the access key test expects). */
  arn: string;
  /** The app client holding the client credentials, in a store that has clients (Cognito). */
  clientId?: string;
  /** Marks Mint keeps on the user: IAM tags, or Cognito custom attributes under the same names. */
  tags: Record<string, string>;
  /**
   * What the store found wrong with the user and `repairServiceUser` puts right (IAM: a missing
   * permissions boundary or group membership; Cognito: a missing app client). Absent when nothing is.
   */
  repairs?: string[];
}

/** The tag-derived rotation state of one user. Empty tag values mean "not set". */
export interface RotationMarks {
  passwordRotatedAt?: Date;
  keyRotatedAt?: Date;
  previousKeyId?: string;
  rotationStartedAt?: Date;
  consecutiveFailures: number;
  lastFailure?: { at: string; step: string; error: string };
}

function date(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

export function readMarks(tags: Record<string, string>): RotationMarks {
  return {
    passwordRotatedAt: date(tags[TAG.passwordRotatedAt]),
    keyRotatedAt: date(tags[TAG.keyRotatedAt]),
    previousKeyId: tags[TAG.previousKeyId] || undefined,
    rotationStartedAt: date(tags[TAG.rotationStartedAt]),
    consecutiveFailures: count(tags[TAG.failures]),
    lastFailure: lastFailure(tags),
  };
}

function count(value: string | undefined): number {
  const parsed = Number.parseInt(value ?? '', 10);
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : 0;
}

function lastFailure(tags: Record<string, string>): RotationMarks['lastFailure'] {
  const [at, step] = (tags[TAG.lastFailure] ?? '').split(' ');
  if (!at || !step || date(at) === undefined) return undefined;
  return { at, step, error: tags[TAG.lastError] ?? '' };
}

/** IAM tag values allow letters, digits, spaces and `_ . : / = + - @`, up to 256 characters. */
export function toTagValue(text: string): string {
  return text
    .replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 256);
}

/** The tags that record one more failed attempt; `record` sets the count back to 0 on success. */
export function failureTags(
  marks: RotationMarks,
  failure: { at: string; step: string; error: string },
): Record<string, string> {
  return {
    [TAG.failures]: String(marks.consecutiveFailures + 1),
    [TAG.lastFailure]: `${failure.at} ${toTagValue(failure.step).replace(/ /g, '-')}`,
    [TAG.lastError]: toTagValue(failure.error),
  };
}

/**
 * The app a user serves, from its `mint:app-id` tag, validated like an id from Kio: a tag anyone with
 * IAM access can set (`_mint`, `../x`, an upper-case id) is not an app, so the user is not Mint's to act on.
 */
export function appIdOf(user: ServiceUser): string | undefined {
  const tagged = user.tags[TAG.appId];
  return isAppId(tagged) ? tagged : undefined;
}
