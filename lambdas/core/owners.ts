import * as z from 'zod';
import { OWNERS_KEY } from '../contracts/keys';
import { APP_ID_PATTERN, type KioApp } from './apps';

/**
 * Which AWS accounts may read which app's credentials: maintained by the platform team in the bucket,
 * so a team's accounts change without a deploy. Example:
 * `{"teams": {"payments": ["111122223333"]}, "apps": {"orders": ["444455556666"]}}`.
 * An entry under `apps` replaces the accounts of that app's team.
 */
export { OWNERS_KEY };

/**
 * The object tag that names an app's reader accounts, space-separated. The bucket policy lets an account
 * read `<app>/credentials.json` only when its id is in this tag; a tag value holds at most 256 characters.
 */
export const READERS_TAG = 'mint:readers';
export const MAX_READERS_PER_APP = 19;

const ACCOUNT_ID = /^\d{12}$/;

const accountList = z.array(z.string()).max(MAX_READERS_PER_APP, {
  error: `lists more than ${MAX_READERS_PER_APP} accounts, the most one app's reader tag can hold`,
});

export const ownerMappingSchema = z
  .object({
    teams: z.record(z.string(), accountList).default({}),
    apps: z.record(z.string(), accountList).default({}),
  })
  .strict();

export interface OwnerMapping {
  teams: Record<string, string[]>;
  apps: Record<string, string[]>;
}

export class OwnerMappingError extends Error {
  override name = 'Mint.OwnerMappingInvalid';
}

/**
 * Validates the whole mapping and names every bad entry: `teams.payments[1]: "1234" is not a 12-digit
 * AWS account id`. A mapping with any bad entry is rejected whole: applying the rest would revoke the
 * accounts of the team with the typo.
 */
export function parseOwnerMapping(value: unknown): OwnerMapping {
  const parsed = ownerMappingSchema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'the document';
      return `${where}: ${issue.message}`;
    });
    throw new OwnerMappingError(
      `${OWNERS_KEY} is invalid (${details.join('; ')}). Expected {"teams": {"<team_id>": ["<12-digit account id>", ...]}, "apps": {"<app-id>": [...]}}.`,
    );
  }
  const problems: string[] = [];
  for (const [section, entries] of Object.entries(parsed.data)) {
    for (const [name, accounts] of Object.entries(entries)) {
      if (section === 'apps' && !APP_ID_PATTERN.test(name)) {
        problems.push(`apps.${name}: is not a Kio app id`);
      }
      accounts.forEach((account, index) => {
        if (!ACCOUNT_ID.test(account)) {
          problems.push(
            `${section}.${name}[${index}]: ${JSON.stringify(account)} is not a 12-digit AWS account id (${section === 'teams' ? 'team' : 'app'} ${name})`,
          );
        }
      });
    }
  }
  if (problems.length > 0) {
    throw new OwnerMappingError(
      `${OWNERS_KEY} was not applied, access stays as it was: ${problems.join('; ')}.`,
    );
  }
  return parsed.data;
}

/** No mapping yet: nobody outside Mint's account reads anything. */
export const NO_OWNERS: OwnerMapping = { teams: {}, apps: {} };

/** An app's reader accounts: its own entry if it has one, else its team's; sorted, without repeats. */
export function readersOf(app: Pick<KioApp, 'id' | 'teamId'>, owners: OwnerMapping): string[] {
  const accounts = owners.apps[app.id] ?? owners.teams[app.teamId] ?? [];
  return [...new Set(accounts)].sort();
}

/** Each app's reader accounts by app id, for the apps Kio listed (an unknown app has none). */
export function readersByApp(
  apps: readonly Pick<KioApp, 'id' | 'teamId'>[],
  owners: OwnerMapping,
): (appId: string) => string[] {
  const teams = new Map(apps.map((app) => [app.id, app.teamId]));
  return (appId) => readersOf({ id: appId, teamId: teams.get(appId) ?? '' }, owners);
}

/** The reader tag's value: account ids separated by spaces, so one id never matches across two. */
export function readersTagValue(accounts: readonly string[]): string {
  return accounts.join(' ');
}

/** The accounts a reader tag names; a missing or empty tag names none. */
export function readersFromTag(value: string | undefined): string[] {
  return value ? value.split(' ') : [];
}
