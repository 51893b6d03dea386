import type * as z from 'zod';
import { describeIssues } from '../contracts/settings';
import { InvalidInputError } from '../core/errors';

/** A step's input parsed with its contract; an input it cannot use names the step and the fields. */
export function parseEvent<T>(schema: z.ZodType<T>, event: unknown, step: string): T {
  const result = schema.safeParse(event);
  if (!result.success) {
    throw new InvalidInputError(`${step} received an event it cannot use (${describeIssues(result.error)})`);
  }
  return result.data;
}
