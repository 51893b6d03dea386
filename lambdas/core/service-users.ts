/**
 * What Mint knows about a service user comes from the user itself: its path, its boundary and its
 * tags. `GetAccountAuthorizationDetails` returns all of that for 1,000 users per call, so deciding
 * what is due never costs a call per app.
 */
export const TAG = {
  appId: 'mint:app-id',
  passwordRotatedAt: 'mint:password-rotated-at',
  keyRotatedAt: 'mint:key-rotated-at',
  previousKeyId: 'mint:previous-key-id',
  /** Set (to a timestamp) before Mint changes anything in IAM, cleared after publishing. */
  rotationStartedAt: 'mint:rotation-started-at',
} as const;

export interface ServiceUser {
  userName: string;
  arn: string;
  path: string;
  /** ARN of the permissions boundary the user carries, if any. */
  boundaryArn?: string;
  tags: Record<string, string>;
}

/** The tag-derived rotation state of one user. Empty tag values mean "not set". */
export interface RotationMarks {
  passwordRotatedAt?: Date;
  keyRotatedAt?: Date;
  previousKeyId?: string;
  rotationStartedAt?: Date;
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
  };
}

export function appIdOf(user: ServiceUser): string | undefined {
  return user.tags[TAG.appId] || undefined;
}
