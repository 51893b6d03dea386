import type { DueApp } from '../contracts/steps';
import { type RotationMarks, readMarks } from './service-users';

export interface RotationPolicy {
  passwordMaxAgeMs: number;
  accessKeyMaxAgeMs: number;
  /** How long the previous access key stays active after its successor was published. */
  previousKeyGraceMs: number;
}

export interface DueWork {
  password: boolean;
  accessKey: boolean;
  /** The previous access key's grace period has passed (or it is being revoked). */
  retirePrevious: boolean;
  /** An earlier attempt stopped half-way; it must be resumed or rolled back. */
  resume: boolean;
  /** The latest attempt failed: try again, which also sets the failure count back once it succeeds. */
  retryFailed: boolean;
}

export interface DueOptions {
  force: boolean;
  revokePrevious: boolean;
  /** The app has a stage under `_mint/pending/` (a rotation left unfinished, or running elsewhere). */
  staged?: boolean;
}

export function isDue(work: DueWork): boolean {
  return work.password || work.accessKey || work.retirePrevious || work.resume || work.retryFailed;
}

function olderThan(at: Date | undefined, maxAgeMs: number, now: Date): boolean {
  return at === undefined || now.getTime() - at.getTime() >= maxAgeMs;
}

/** What one app needs this cycle, from its tags alone: no IAM or S3 call per app. */
export function dueWork(
  marks: RotationMarks,
  policy: RotationPolicy,
  now: Date,
  options: DueOptions,
): DueWork {
  const retireAfterGrace =
    marks.previousKeyId !== undefined && olderThan(marks.keyRotatedAt, policy.previousKeyGraceMs, now);
  return {
    password: options.force || olderThan(marks.passwordRotatedAt, policy.passwordMaxAgeMs, now),
    accessKey: options.force || olderThan(marks.keyRotatedAt, policy.accessKeyMaxAgeMs, now),
    retirePrevious: retireAfterGrace || (options.revokePrevious && marks.previousKeyId !== undefined),
    resume: marks.rotationStartedAt !== undefined || options.staged === true,
    retryFailed: marks.consecutiveFailures > 0,
  };
}

export type { DueApp };

/**
 * The apps that need work this cycle, decided from the users' tags alone. `onlyApps` narrows a
 * manual run; `force` makes every app in scope due.
 */
export function planDueApps(
  users: readonly {
    appId: string;
    userName: string;
    arn: string;
    clientId?: string;
    tags: Record<string, string>;
  }[],
  policy: RotationPolicy,
  now: Date,
  options: Omit<DueOptions, 'staged'> & {
    onlyApps?: readonly string[];
    /** Apps with a stage under `_mint/pending/`, from one listing per cycle. */
    staged?: ReadonlySet<string>;
  },
): DueApp[] {
  const scope = options.onlyApps ? new Set(options.onlyApps) : undefined;
  const staged = (appId: string) => options.staged?.has(appId) ?? false;
  return users
    .filter((user) => !scope || scope.has(user.appId))
    .filter((user) =>
      isDue(dueWork(readMarks(user.tags), policy, now, { ...options, staged: staged(user.appId) })),
    )
    .map((user) => ({
      appId: user.appId,
      userName: user.userName,
      userArn: user.arn,
      ...(user.clientId ? { clientId: user.clientId } : {}),
      tags: user.tags,
      ...(staged(user.appId) ? { staged: true } : {}),
    }))
    .sort((a, b) => a.appId.localeCompare(b.appId));
}
