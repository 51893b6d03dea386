import * as z from 'zod';
import { KioUnusableError } from './errors';

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

export interface ParsedApps {
  apps: KioApp[];
  invalid: InvalidApp[];
  /** Kio sent an empty body or an empty list: only believable when Mint has no users yet. */
  empty: boolean;
}

/**
 * Turns the body of `GET /apps` into apps Mint can act on. A malformed app is reported and skipped;
 * a body that is not a list of apps throws, because acting on it could delete every user.
 */
export function parseKioApps(body: string): ParsedApps {
  if (body.trim() === '') return { apps: [], invalid: [], empty: true };
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

/** An empty answer from Kio while service users exist is an outage, not "every app was deleted". */
export function assertBelievable(parsed: ParsedApps, serviceUserCount: number): void {
  if (parsed.empty && serviceUserCount > 0) {
    throw new KioUnusableError(
      `Kio returned no apps while ${serviceUserCount} service users exist; refusing to delete them. ` +
        'Check Kio (GET /apps); nothing was deleted.',
    );
  }
}

export function validateApps(items: readonly unknown[]): Omit<ParsedApps, 'empty'> {
  const apps: KioApp[] = [];
  const invalid: InvalidApp[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const rawId = (item as { id?: unknown } | null)?.id;
    const ref = typeof rawId === 'string' && rawId !== '' ? rawId : `#${index}`;
    const result = kioAppSchema.safeParse(item);
    if (!result.success) {
      const reason = result.error.issues
        .map((issue) => `${issue.path.join('.') || 'app'} ${issue.message}`)
        .join('; ');
      invalid.push({ ref, reason });
      return;
    }
    const { id, team_id, name, active } = result.data;
    if (seen.has(id)) {
      invalid.push({ ref, reason: 'id appears more than once in the Kio list; the first entry is used' });
      return;
    }
    seen.add(id);
    apps.push({ id, teamId: team_id, name, active: active === true });
  });
  return { apps, invalid };
}
