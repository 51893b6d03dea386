import * as z from 'zod';
import { STATUS_KEY } from '../contracts/keys';
import { READERS_TAG, readersFromTag } from './owners';
import { readMarks } from './service-users';

/** Where on-call (and `mint status`) find every app's state: one document for the whole fleet. */
export { STATUS_KEY };

const failureSchema = z.object({ at: z.string(), step: z.string(), error: z.string() });

const appStatusSchema = z.object({
  appId: z.string(),
  userName: z.string().optional(),
  /**
   * `failing` while the latest attempt failed, `new` before the first rotation, `ok` otherwise.
   * An app whose user could not be created is `failing` without a user name.
   */
  state: z.enum(['ok', 'failing', 'new']),
  passwordRotatedAt: z.string().optional(),
  keyRotatedAt: z.string().optional(),
  /** The AWS accounts that may read the app's credentials.json; none means nobody outside Mint's can. */
  readers: z.array(z.string()).default([]),
  /** Failed attempts in a row (a cycle's first pass and its retry pass are two attempts). */
  consecutiveFailures: z.number(),
  /** The latest failure, also after the app recovered: when, at which step, the error without secrets. */
  lastFailure: failureSchema.optional(),
  /**
   * A rotation was left unfinished (a crash or a failure; its password may already be set in IAM but
   * not yet published) or is running: since when. This cycle finishes or clears it first.
   */
  unfinishedRotationSince: z.string().optional(),
});

export const statusDocumentSchema = z.object({
  schemaVersion: z.literal(1),
  /**
   * The cycle that wrote this document, at its start: it shows every attempt up to the previous cycle.
   * The latest cycle's own outcomes are in its report (`mint status` shows both).
   */
  cycle: z.string(),
  generatedAt: z.string(),
  apps: z.array(appStatusSchema),
});

export type AppStatus = z.infer<typeof appStatusSchema>;
export type StatusDocument = z.infer<typeof statusDocumentSchema>;

/**
 * The status of every app Mint keeps a user for, from the users' tags alone (they hold the rotation
 * times and the failure count), plus users the cycle could not create or delete.
 */
export function buildStatusDocument(input: {
  users: readonly { appId: string; userName: string; tags: Record<string, string> }[];
  failures: readonly { appId: string; step: string; error: string }[];
  cycle: string;
  now: Date;
  /** Apps with a stage under `_mint/pending/`, and when it was written. */
  unfinished?: ReadonlyMap<string, string>;
}): StatusDocument {
  const apps = new Map<string, AppStatus>();
  for (const user of input.users) {
    const marks = readMarks(user.tags);
    const rotated = marks.passwordRotatedAt ?? marks.keyRotatedAt;
    apps.set(user.appId, {
      appId: user.appId,
      userName: user.userName,
      state: marks.consecutiveFailures > 0 ? 'failing' : rotated ? 'ok' : 'new',
      ...(marks.passwordRotatedAt ? { passwordRotatedAt: marks.passwordRotatedAt.toISOString() } : {}),
      ...(marks.keyRotatedAt ? { keyRotatedAt: marks.keyRotatedAt.toISOString() } : {}),
      readers: readersFromTag(user.tags[READERS_TAG]),
      consecutiveFailures: marks.consecutiveFailures,
      ...(marks.lastFailure ? { lastFailure: marks.lastFailure } : {}),
      ...(input.unfinished?.has(user.appId)
        ? { unfinishedRotationSince: input.unfinished.get(user.appId) }
        : {}),
    });
  }
  for (const failure of input.failures) {
    const known = apps.get(failure.appId);
    apps.set(failure.appId, {
      ...(known ?? { appId: failure.appId, readers: [], consecutiveFailures: 0 }),
      state: 'failing',
      // A user that does not exist cannot carry a count: its first failure shows as 1.
      consecutiveFailures: (known?.consecutiveFailures ?? 0) + 1,
      lastFailure: { at: input.now.toISOString(), step: failure.step, error: failure.error },
    });
  }
  return {
    schemaVersion: 1,
    cycle: input.cycle,
    generatedAt: input.now.toISOString(),
    apps: [...apps.values()].sort((a, b) => a.appId.localeCompare(b.appId)),
  };
}

/** Whether two documents say the same about every app (when and by which cycle they were written aside). */
export function sameAppStatuses(a: StatusDocument | undefined, b: StatusDocument): boolean {
  return a !== undefined && JSON.stringify(a.apps) === JSON.stringify(b.apps);
}
