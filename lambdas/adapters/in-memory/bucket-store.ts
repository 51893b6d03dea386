import type * as z from 'zod';
import { type BucketStore, parseDocument, type StoredText } from '../object-store';
import { refusal } from './refusal';

/** One version of an object, or a delete marker (what DeleteObject leaves in a versioned bucket). */
export type StoredVersion =
  | {
      versionId: string;
      deleteMarker: false;
      body: string;
      etag: string;
      lastModified: Date;
      tags: Tags;
      metadata?: Tags;
    }
  | { versionId: string; deleteMarker: true; lastModified: Date };

type Tags = Record<string, string>;
type Current = Extract<StoredVersion, { deleteMarker: false }>;

export interface InMemoryBucketStoreOptions {
  bucket?: string;
  /** When a write happens: `lastModified` of what it writes. */
  now?: () => Date;
}

/**
 * Mint's versioned bucket in memory, with S3's semantics for what the services rely on: every write is
 * a new version with a new ETag; conditional writes (If-None-Match `*`, If-Match) that lose return
 * undefined, and If-Match on a missing object is refused with NoSuchKey as S3 does; DeleteObject leaves
 * a delete marker; listings are in S3's order (UTF-8 bytes of the key). `calls` names every port call.
 */
export class InMemoryBucketStore implements BucketStore {
  readonly bucket: string;
  readonly calls: string[] = [];
  private readonly now: () => Date;
  private readonly history = new Map<string, StoredVersion[]>();
  private writes = 0;

  constructor(options: InMemoryBucketStoreOptions = {}) {
    this.bucket = options.bucket ?? 'mint-secrets';
    this.now = options.now ?? (() => new Date());
  }

  async getText(key: string): Promise<string | undefined> {
    this.calls.push('getText');
    return this.current(key)?.body;
  }

  async getJson<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    this.calls.push('getJson');
    const text = this.current(key)?.body;
    return text === undefined ? undefined : parseDocument(`s3://${this.bucket}/${key}`, text, schema);
  }

  async getTextWithEtag(key: string): Promise<StoredText | undefined> {
    this.calls.push('getTextWithEtag');
    const current = this.current(key);
    return (
      current && {
        text: current.body,
        etag: current.etag,
        lastModified: current.lastModified,
        ...(current.metadata ? { metadata: { ...current.metadata } } : {}),
      }
    );
  }

  async putJsonIf(
    key: string,
    value: unknown,
    condition: { ifAbsent: true } | { ifMatch: string },
  ): Promise<string | undefined> {
    this.calls.push('putJsonIf');
    const current = this.current(key);
    if ('ifAbsent' in condition) {
      if (current) return undefined;
    } else {
      if (!current) throw refusal('NoSuchKey', 'The specified key does not exist.');
      if (current.etag !== condition.ifMatch) return undefined;
    }
    return this.write(key, JSON.stringify(value), {}).etag;
  }

  async listKeys(prefix: string): Promise<{ key: string; lastModified: string }[]> {
    this.calls.push('listKeys');
    return [...this.history.keys()]
      .filter((key) => key.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .flatMap((key) => {
        const current = this.current(key);
        return current ? [{ key, lastModified: current.lastModified.toISOString() }] : [];
      });
  }

  async putJson(key: string, value: unknown): Promise<string | undefined> {
    this.calls.push('putJson');
    return this.write(key, typeof value === 'string' ? value : JSON.stringify(value), {}).versionId;
  }

  async putText(
    key: string,
    body: string,
    tags?: Record<string, string>,
    metadata?: Record<string, string>,
  ): Promise<string | undefined> {
    this.calls.push('putText');
    const version = this.write(key, body, { ...tags });
    if (metadata) version.metadata = { ...metadata };
    return version.versionId;
  }

  async tagObject(key: string, tags: Record<string, string>): Promise<boolean> {
    this.calls.push('tagObject');
    const current = this.current(key);
    if (!current) return false;
    current.tags = { ...tags };
    return true;
  }

  async delete(key: string): Promise<void> {
    this.calls.push('delete');
    this.versionsOf(key).push({
      versionId: this.nextVersionId(),
      deleteMarker: true,
      lastModified: this.now(),
    });
  }

  async deleteEveryVersion(key: string): Promise<number> {
    this.calls.push('deleteEveryVersion');
    const deleted = this.history.get(key)?.length ?? 0;
    this.history.delete(key);
    return deleted;
  }

  /** For assertions: the current text, or undefined (no call is recorded). */
  text(key: string): string | undefined {
    return this.current(key)?.body;
  }

  /** For assertions: the current version's object tags, or undefined when there is none. */
  tags(key: string): Record<string, string> | undefined {
    const current = this.current(key);
    return current && { ...current.tags };
  }

  /** For assertions: every version and delete marker of `key`, oldest first. */
  versions(key: string): readonly StoredVersion[] {
    return [...(this.history.get(key) ?? [])];
  }

  private current(key: string): Current | undefined {
    const latest = this.history.get(key)?.at(-1);
    return latest && !latest.deleteMarker ? latest : undefined;
  }

  private versionsOf(key: string): StoredVersion[] {
    const versions = this.history.get(key) ?? [];
    this.history.set(key, versions);
    return versions;
  }

  private nextVersionId(): string {
    return `version-${++this.writes}`;
  }

  private write(key: string, body: string, tags: Tags): Current {
    const versionId = this.nextVersionId();
    // A fresh ETag per write. S3 documents its ETag as the body's MD5 only under SSE-S3 (Mint's bucket uses
    // SSE-KMS): no caller may rely on an identical rewrite changing, or keeping, the ETag.
    const version: Current = {
      versionId,
      deleteMarker: false,
      body,
      etag: `"${versionId}"`,
      lastModified: this.now(),
      tags,
    };
    this.versionsOf(key).push(version);
    return version;
  }
}
