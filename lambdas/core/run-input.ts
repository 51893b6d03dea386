import * as z from 'zod';
import { APP_ID_PATTERN } from './apps';
import { InvalidInputError } from './errors';

/** Input of a manual run (DESIGN.md "Manual runs"); `{}` is a normal scheduled cycle. */
export const runInputSchema = z
  .object({
    apps: z.array(z.string().regex(APP_ID_PATTERN, 'is not a Kio app id')).min(1).optional(),
    force: z.boolean().default(false),
    revokePrevious: z.boolean().default(false),
    dryRun: z.boolean().default(false),
  })
  .strict();

export type RunOptions = z.infer<typeof runInputSchema>;

export function parseRunInput(input: unknown): RunOptions {
  // EventBridge scheduled rules deliver their own event object; treat anything without Mint's keys as `{}`.
  const candidate = input === null || input === undefined ? {} : input;
  const result = runInputSchema.safeParse(candidate);
  if (!result.success) {
    const detail = result.error.issues
      .map((issue) => `${issue.path.length ? issue.path.join('.') : 'input'}: ${issue.message}`)
      .join('; ');
    throw new InvalidInputError(
      `Invalid run input (${detail}). Expected {"apps"?: ["app-id", ...], "force"?: boolean, "revokePrevious"?: boolean, "dryRun"?: boolean}.`,
    );
  }
  if (result.data.revokePrevious && !result.data.apps) {
    throw new InvalidInputError(
      'revokePrevious revokes credentials immediately; name the affected apps with "apps": ["app-id"].',
    );
  }
  return result.data;
}
