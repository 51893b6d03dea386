import * as S3 from '@aws-sdk/client-s3';
import { awsError, type Register } from './operations';

/** One stored version of an object. */
export interface ObjectVersion {
  body: string;
  version: number;
}

/**
 * The bucket's objects, with versions, tags and conditional writes: enough of S3 for Mint's calls.
 * One bucket, whatever the call names: Mint has one.
 */
export class S3Objects {
  readonly objects = new Map<string, ObjectVersion[]>();
  /** When each key's current version was written (for ListObjectsV2's LastModified). */
  readonly modified = new Map<string, Date>();
  /** The current version's object tags, by key. */
  readonly objectTags = new Map<string, Record<string, string>>();
  /** The current version's user metadata, by key. */
  readonly metadata = new Map<string, Record<string, string>>();
  private readonly etags = new Map<string, string>();
  private writes = 0;

  /** The current version's ETag: a new one for every write, as S3 gives (content hashes aside). */
  etag(key: string): string {
    return this.etags.get(key) ?? '""';
  }

  object(key: string): string | undefined {
    const versions = this.objects.get(key);
    return versions?.[versions.length - 1]?.body;
  }

  register(on: Register): void {
    on(S3.PutObjectCommand, 'PutObject', (input) => {
      const key = String(input.Key);
      const current = this.object(key);
      // S3's conditional writes: If-None-Match "*" (create only) and If-Match <etag> (replace only that).
      if (input.IfNoneMatch === '*' && current !== undefined)
        throw awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      if (input.IfMatch !== undefined && (current === undefined || this.etag(key) !== input.IfMatch))
        throw awsError(
          current === undefined ? 'NoSuchKey' : 'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      const versions = this.objects.get(key) ?? [];
      versions.push({ body: String(input.Body), version: versions.length + 1 });
      this.objects.set(key, versions);
      this.objectTags.set(key, Object.fromEntries(new URLSearchParams(String(input.Tagging ?? ''))));
      // S3 keeps user metadata with the version, its keys in lower case.
      const metadata = Object.entries((input.Metadata ?? {}) as Record<string, string>);
      this.metadata.set(
        key,
        Object.fromEntries(metadata.map(([name, value]) => [name.toLowerCase(), value])),
      );
      this.modified.set(key, new Date());
      this.etags.set(key, `"etag-${++this.writes}"`);
      return { VersionId: `v${versions.length}`, ETag: this.etag(key) };
    });
    on(S3.PutObjectTaggingCommand, 'PutObjectTagging', (input) => {
      const key = String(input.Key);
      if (this.object(key) === undefined) throw awsError('NoSuchKey', 'The specified key does not exist.');
      const tags = ((input.Tagging as S3.Tagging).TagSet ?? []) as S3.Tag[];
      this.objectTags.set(key, Object.fromEntries(tags.map((t) => [String(t.Key), String(t.Value)])));
      return { VersionId: `v${this.objects.get(key)?.length}` };
    });
    on(S3.GetObjectCommand, 'GetObject', (input) => {
      const body = this.object(String(input.Key));
      if (body === undefined) throw awsError('NoSuchKey', 'The specified key does not exist.');
      return {
        Body: { transformToString: async () => body },
        ETag: this.etag(String(input.Key)),
        LastModified: this.modified.get(String(input.Key)),
        Metadata: { ...this.metadata.get(String(input.Key)) },
      };
    });
    on(S3.DeleteObjectCommand, 'DeleteObject', (input) => {
      this.objects.delete(String(input.Key));
      this.objectTags.delete(String(input.Key));
      this.metadata.delete(String(input.Key));
      return {};
    });
    on(S3.ListObjectsV2Command, 'ListObjectsV2', (input) => ({
      Contents: [...this.objects.keys()]
        .filter((key) => key.startsWith(String(input.Prefix ?? '')) && this.object(key) !== undefined)
        .sort()
        .map((key) => ({ Key: key, LastModified: this.modified.get(key) ?? new Date(0) })),
      IsTruncated: false,
    }));
    on(S3.ListObjectVersionsCommand, 'ListObjectVersions', (input) => ({
      Versions: [...this.objects.entries()]
        .filter(([key]) => key.startsWith(String(input.Prefix)))
        .flatMap(([key, versions]) => versions.map((v) => ({ Key: key, VersionId: `v${v.version}` }))),
      IsTruncated: false,
    }));
    on(S3.DeleteObjectsCommand, 'DeleteObjects', (input) => {
      for (const object of ((input.Delete as S3.Delete).Objects ?? []) as S3.ObjectIdentifier[])
        this.objects.delete(String(object.Key));
      return { Errors: [] };
    });
  }
}
