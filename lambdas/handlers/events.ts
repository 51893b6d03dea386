import { z } from 'zod';
import type { CycleRef } from '../core/cycle';
import { InvalidInputError } from '../core/errors';
import { describeIssues } from '../core/settings';

/** Shapes of the references the workflow passes between steps; validated at every handler's door. */
const runOptions = z.object({
  apps: z.array(z.string()).optional(),
  force: z.boolean(),
  revokePrevious: z.boolean(),
  dryRun: z.boolean(),
});

export const cycleSchema: z.ZodType<CycleRef> = z.object({
  id: z.string().min(1),
  executionArn: z.string(),
  stateMachineArn: z.string(),
  startedAt: z.string(),
  options: runOptions,
});

export const batchRefSchema = z.object({ key: z.string().startsWith('_mint/'), size: z.number().int() });
export type BatchRef = z.infer<typeof batchRefSchema>;

export const appsRefSchema = z.object({ key: z.string().startsWith('_mint/') });

export function parseEvent<T>(schema: z.ZodType<T>, event: unknown, step: string): T {
  const result = schema.safeParse(event);
  if (!result.success) {
    throw new InvalidInputError(`${step} received an event it cannot use (${describeIssues(result.error)})`);
  }
  return result.data;
}
