import type * as z from 'zod';

/** An object that is not JSON. The message never quotes it: some objects hold secrets. */
export class InvalidJsonError extends Error {
  override name = 'InvalidJsonError';
}

/** A JSON object that does not have its contract's shape: names the object and the fields, never values. */
export class InvalidDocumentError extends Error {
  override name = 'InvalidDocumentError';
}

/**
 * Mint's bucket as the services see it: published credentials under `<app-id>/`, Mint's own state
 * under `_mint/`. Implemented over S3 (`S3BucketStore`) and in memory (`InMemoryBucketStore`).
 */
/** An object as read back: its text and what S3 keeps beside it. */
export interface StoredText {
  text: string;
  etag: string;
  lastModified?: Date;
  /** User metadata (`x-amz-meta-*`), keys in lower case. */
  metadata?: Record<string, string>;
}

export interface BucketStore {
  readonly bucket: string;
  /** The object's text, or undefined when it does not exist. */
  getText(key: string): Promise<string | undefined>;
  /**
   * The object parsed as JSON and then with `schema`, or undefined when it does not exist. Throws
   * InvalidJsonError or InvalidDocumentError, which never quote the object.
   */
  getJson<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined>;
  /** The text, ETag (for a conditional write after it), last-modified time and metadata, or undefined. */
  getTextWithEtag(key: string): Promise<StoredText | undefined>;
  /**
   * Writes JSON only if the object does not exist (`{ ifAbsent: true }`) or still has `ifMatch` as its
   * ETag: a write that is a lease. Returns the new ETag, or undefined when someone else wrote first.
   */
  putJsonIf(
    key: string,
    value: unknown,
    condition: { ifAbsent: true } | { ifMatch: string },
  ): Promise<string | undefined>;
  /** Every key under `prefix` with its last-modified time. */
  listKeys(prefix: string): Promise<{ key: string; lastModified: string }[]>;
  /** Writes JSON; returns the new object version id. */
  putJson(key: string, value: unknown): Promise<string | undefined>;
  /**
   * Writes text, with `tags` as the new version's object tags and `metadata` as its user metadata when
   * given (both travel with that version, in the same call); returns the version id.
   */
  putText(
    key: string,
    body: string,
    tags?: Record<string, string>,
    metadata?: Record<string, string>,
  ): Promise<string | undefined>;
  /** Replaces the current version's object tags; false when the object does not exist (yet). */
  tagObject(key: string, tags: Record<string, string>): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes every version and delete marker of `key`, so no old secret survives; returns how many. */
  deleteEveryVersion(key: string): Promise<number>;
}

/**
 * Parses an object's text with its contract. V8's JSON error quotes the input and zod's issues can
 * carry values, so neither reaches the message: only the location, the field paths and the problems.
 */
export function parseDocument<T>(location: string, text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidJsonError(`${location} is not valid JSON (${text.length} bytes)`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.code}`)
      .join('; ');
    throw new InvalidDocumentError(
      `${location} does not have the shape Mint expects (${problems}); it was not written by this version of Mint, or was edited by hand`,
    );
  }
  return result.data;
}
