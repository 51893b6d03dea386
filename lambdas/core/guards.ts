/**
 * Narrows a value of unknown shape (JSON, a thrown SDK error) to an object whose properties can be read
 * as `unknown`, so each one is checked before use instead of cast (lint/no-type-assertions.grit).
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
