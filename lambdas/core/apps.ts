import * as z from 'zod';
import { KioUnusableError } from './errors';
import { isRecord } from './guards';

/** Kio's id pattern (kio-api.yaml). Mint also relies on it: ids never start with `_`. */
export const APP_ID_PATTERN = /^[a-z][a-z0-9-]*[a-z0-9]$/;
/** IAM user names are at most 64 characters; Mint names each service user after its app id. */
export const MAX_APP_ID_LENGTH = 64;

/** The fields of a Kio app (GET /apps) that Mint uses; everything else is ignored. */
const kioAppSchema = z.object({
  id: z
    .string()
    .regex(APP_ID_PATTERN, `must match ${APP_ID_PATTERN.source}`)
    .max(MAX_APP_ID_LENGTH, `must be at most ${MAX_APP_ID_LENGTH} characters (IAM user name limit)`),
  team_id: z.string().min(1, 'must not be empty'),
  name: z.string(),
  // Kio omits `active` on some apps; only an explicit `true` earns credentials.
  active: z.boolean().optional(),
});

export interface KioApp {
  id: string;
  teamId: string;
  name: string;
  active: boolean;
}

export interface InvalidApp {
  /** The id as Kio sent it, or `#<index>` when there is no usable id. */
  ref: string;
  reason: string;
}

/** Whether `value` is an app id Mint could have named a service user or a bucket prefix after. */
export function isAppId(value: unknown): value is string {
  return typeof value === 'string' && APP_ID_PATTERN.test(value) && value.length <= MAX_APP_ID_LENGTH;
}

export interface ParsedApps {
  /** Apps Mint acts on: valid, and listed exactly once. */
  apps: KioApp[];
  invalid: InvalidApp[];
  /**
   * Ids that an invalid or repeated entry names. Kio still knows them, so Mint keeps their users and
   * credentials and acts on them in no other way (no create, rotation, grant change or deletion) until
   * Kio lists each of them once and valid. Sorted.
   */
  held: string[];
  /** Entries that carry an id at all, valid or not. None while users exist makes the answer unusable. */
  readable: number;
  /**
   * Entries whose id is missing or is no app id (`PIERONE`): they could stand for any app, so no user
   * goes merely for not being mentioned while there is one.
   */
  unidentified?: number;
  /** Kio sent an empty body or an empty list: only believable when Mint has no users yet. */
  empty: boolean;
}

/** The apps snapshot as stored in `_mint/cycles/<id>/apps.json` and read back by Reconcile. */
export const parsedAppsSchema: z.ZodType<ParsedApps> = z.object({
  apps: z.array(
    z.object({
      id: z.string().refine(isAppId, 'must be a valid app id'),
      teamId: z.string(),
      name: z.string(),
      active: z.boolean(),
    }),
  ),
  invalid: z.array(z.object({ ref: z.string(), reason: z.string() })),
  held: z.array(z.string()),
  readable: z.number().int().nonnegative(),
  unidentified: z.number().int().nonnegative().optional(),
  empty: z.boolean(),
});

/**
 * Turns the body of `GET /apps` into apps Mint can act on. A malformed app is reported and skipped;
 * a body that is not a list of apps throws, because acting on it could delete every user.
 */
export function parseKioApps(body: string): ParsedApps {
  if (body.trim() === '')
    return { apps: [], invalid: [], held: [], readable: 0, unidentified: 0, empty: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new KioUnusableError(
      `Kio returned a body that is not JSON (${body.length} bytes); nothing was deleted. Check GET /apps on Kio.`,
    );
  }
  if (!Array.isArray(parsed)) {
    throw new KioUnusableError(
      `Kio returned JSON of type ${parsed === null ? 'null' : typeof parsed} where a list of apps was expected; nothing was deleted.`,
    );
  }
  return { ...validateApps(parsed), empty: parsed.length === 0 };
}

/**
 * An answer Mint cannot read while service users exist is an outage, not "every app was deleted": an
 * empty one, or one in which no entry carries an id (Kio renamed the field, for example).
 */
export function assertBelievable(parsed: ParsedApps, serviceUserCount: number): void {
  if (serviceUserCount === 0) return;
  if (parsed.empty) {
    throw new KioUnusableError(
      `Kio returned no apps while ${serviceUserCount} service users exist; refusing to delete them. ` +
        'Check Kio (GET /apps); nothing was deleted.',
    );
  }
  if (parsed.readable === 0) {
    throw new KioUnusableError(
      `Kio returned ${parsed.invalid.length} entries and none carries an id, while ${serviceUserCount} service users exist; ` +
        'refusing to delete them. Check Kio (GET /apps: has the id field changed?); nothing was deleted.',
    );
  }
}

/** The id an entry carries, if any: a non-empty string, whatever else is wrong with the entry. */
function rawIdOf(item: unknown): string | undefined {
  if (!isRecord(item) || Array.isArray(item)) return undefined;
  const id = item.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

export function validateApps(items: readonly unknown[]): Omit<ParsedApps, 'empty'> {
  const invalid: InvalidApp[] = [];
  const held = new Set<string>();
  const firstValid = new Map<string, KioApp>();
  const seen = new Set<string>();
  let readable = 0;
  let unidentified = 0;
  items.forEach((item, index) => {
    const rawId = rawIdOf(item);
    if (rawId !== undefined) readable++;
    if (!isAppId(rawId)) unidentified++;
    const ref = rawId ?? `#${index}`;
    // An id Mint could have made a user for is evidence that Kio still knows the app, valid entry or not.
    const repeated = rawId !== undefined && seen.has(rawId);
    if (rawId !== undefined) seen.add(rawId);
    const result = kioAppSchema.safeParse(item);
    if (!result.success) {
      const reason = result.error.issues
        .map((issue) => `${issue.path.join('.') || 'app'} ${issue.message}`)
        .join('; ');
      if (isAppId(rawId)) held.add(rawId);
      invalid.push({
        ref,
        reason: isAppId(rawId) ? `${reason}; its user, if any, is kept and not rotated` : reason,
      });
      return;
    }
    const { id, team_id, name, active } = result.data;
    if (repeated) {
      held.add(id);
      invalid.push({
        ref,
        reason:
          'id appears more than once in the Kio list; its user, if any, is kept and not rotated until Kio lists it once',
      });
      return;
    }
    firstValid.set(id, { id, teamId: team_id, name, active: active === true });
  });
  const apps = [...firstValid.values()].filter((app) => !held.has(app.id));
  return { apps, invalid, held: [...held].sort(), readable, unidentified };
}
