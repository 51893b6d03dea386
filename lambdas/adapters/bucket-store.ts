import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type * as z from 'zod';
import { type BucketStore, parseDocument, type StoredText } from './object-store';

/** Mint's bucket over S3. */
export class S3BucketStore implements BucketStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** The object's text, or undefined when it does not exist. */
  async getText(key: string): Promise<string | undefined> {
    return (await this.getTextWithEtag(key))?.text;
  }

  async getJson<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const text = await this.getText(key);
    return text === undefined ? undefined : parseDocument(`s3://${this.bucket}/${key}`, text, schema);
  }

  /**
   * The object's text, ETag (for a conditional write after it) and last-modified time, or undefined
   * when it does not exist.
   */
  async getTextWithEtag(key: string): Promise<StoredText | undefined> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        text: (await result.Body?.transformToString('utf-8')) ?? '',
        etag: result.ETag ?? '',
        ...(result.LastModified ? { lastModified: result.LastModified } : {}),
        ...(result.Metadata && Object.keys(result.Metadata).length > 0 ? { metadata: result.Metadata } : {}),
      };
    } catch (error) {
      if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound'))
        return undefined;
      throw error;
    }
  }

  /**
   * Writes JSON only if the object does not exist (`{ ifAbsent: true }`) or still has `ifMatch` as its
   * ETag: S3's conditional writes, which make a write a lease. Returns the new ETag, or undefined when
   * the condition failed (someone else wrote first).
   */
  async putJsonIf(
    key: string,
    value: unknown,
    condition: { ifAbsent: true } | { ifMatch: string },
  ): Promise<string | undefined> {
    try {
      const result = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(value),
          ContentType: 'application/json',
          ...('ifAbsent' in condition ? { IfNoneMatch: '*' } : { IfMatch: condition.ifMatch }),
        }),
      );
      return result.ETag ?? '';
    } catch (error) {
      // 412 when the condition does not hold; 409 when another conditional write to the key is in flight.
      if (
        error instanceof Error &&
        (error.name === 'PreconditionFailed' || error.name === 'ConditionalRequestConflict')
      )
        return undefined;
      throw error;
    }
  }

  /** Every key under `prefix` with its last-modified time, 1,000 per call. */
  async listKeys(prefix: string): Promise<{ key: string; lastModified: string }[]> {
    const keys: { key: string; lastModified: string }[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key)
          keys.push({ key: object.Key, lastModified: object.LastModified?.toISOString() ?? '' });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** Writes JSON; returns the new object version id (the bucket is versioned). */
  async putJson(key: string, value: unknown): Promise<string | undefined> {
    return this.putText(key, typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** Writes text, with `tags` as the new version's object tags when given; returns the version id. */
  async putText(
    key: string,
    body: string,
    tags?: Record<string, string>,
    metadata?: Record<string, string>,
  ): Promise<string | undefined> {
    const result = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ...(tags ? { Tagging: new URLSearchParams(tags).toString() } : {}),
        ...(metadata ? { Metadata: metadata } : {}),
      }),
    );
    return result.VersionId;
  }

  /** Replaces the current version's object tags; false when the object does not exist (yet). */
  async tagObject(key: string, tags: Record<string, string>): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectTaggingCommand({
          Bucket: this.bucket,
          Key: key,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /**
   * Deletes every version and delete marker of `key` (and of no other key that merely starts with it),
   * so no old secret survives. Needs s3:ListBucketVersions and s3:DeleteObjectVersion on `key` only.
   */
  async deleteEveryVersion(key: string): Promise<number> {
    let deleted = 0;
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: key,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap((entry) =>
        entry.Key === key ? [{ Key: entry.Key, VersionId: entry.VersionId }] : [],
      );
      if (objects.length > 0) {
        const result = await this.s3.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } }),
        );
        const failed = result.Errors ?? [];
        if (failed.length > 0) {
          throw new Error(
            `S3 DeleteObjects of ${key} failed for ${failed.length} objects (first: ${failed[0]?.Code})`,
          );
        }
        deleted += objects.length;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return deleted;
  }
}
