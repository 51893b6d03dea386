import { EventEmitter } from 'node:events';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type CredentialsDocument, credentialsDocumentSchema, credentialsKey } from './document';

export type { CredentialsDocument };

export interface CredentialsLocation {
  bucket: string;
  appId: string;
  /** The bucket's region; by default the SDK's (AWS_REGION, the profile, or instance metadata). */
  region?: string;
}

/** Why the credentials could not be read, with what to do about it. `code` is stable for scripts. */
export class CredentialsError extends Error {
  override name = 'CredentialsError';
  constructor(
    readonly code: 'access-denied' | 'not-found' | 'wrong-region' | 'invalid-document' | 'unreachable',
    message: string,
  ) {
    super(message);
  }
}

export interface LoadedCredentials {
  document: CredentialsDocument;
  /** The object's ETag: pass it back to skip the download while nothing changed. */
  etag: string;
}

/** Makes the S3 (and STS) clients; a new pair per read, so expiring role credentials are re-resolved. */
export type ClientFactory = (region?: string) => { s3: S3Client; sts: STSClient };

const defaultClients: ClientFactory = (region) => ({
  // followRegionRedirects off: a wrong region is reported with the right one, not silently retried.
  s3: new S3Client({
    region,
    forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL),
    followRegionRedirects: false,
  }),
  sts: new STSClient({ region }),
});

/** Parses and validates credentials.json, naming what is wrong without quoting it (it holds secrets). */
export function parseCredentials(text: string, where: string): CredentialsDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CredentialsError(
      'invalid-document',
      `${where} is not JSON (${text.length} bytes); keeping the last good credentials`,
    );
  }
  const result = credentialsDocumentSchema.safeParse(value);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join('.') || '(document)').join(', ');
    throw new CredentialsError(
      'invalid-document',
      `${where} is not a Mint credentials document (problem with: ${fields}); keeping the last good credentials`,
    );
  }
  return result.data;
}

interface S3ErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

async function callerArn(sts: STSClient): Promise<string> {
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? 'an unknown identity';
  } catch {
    return 'an identity STS could not name';
  }
}

async function explain(
  error: unknown,
  location: CredentialsLocation,
  sts: STSClient,
): Promise<CredentialsError> {
  const e = (error ?? {}) as S3ErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const where = `s3://${location.bucket}/${credentialsKey(location.appId)}`;
  if (status === 403 || e.name === 'AccessDenied') {
    return new CredentialsError(
      'access-denied',
      `access denied reading ${where} as ${await callerArn(sts)}. That role needs s3:GetObject on arn:aws:s3:::${location.bucket}/${location.appId}/credentials.json and kms:Decrypt on Mint's key (\`npx mint access-policy --app ${location.appId}\` prints the policy), and its account must own ${location.appId} in Mint's _mint/owners.json (ask Mint's operators). S3 also answers 403, not 404, when Mint has not published ${location.appId} yet: no account outside Mint's may list its bucket.`,
    );
  }
  if (status === 404 || e.name === 'NoSuchKey') {
    return new CredentialsError(
      'not-found',
      `${where} does not exist: either Mint has not synced ${location.appId} yet (it publishes within a cycle of the app appearing in Kio) or the app id is wrong.`,
    );
  }
  if (status === 301 || e.name === 'PermanentRedirect' || e.name === 'AuthorizationHeaderMalformed') {
    const region = e.$response?.headers?.['x-amz-bucket-region'];
    return new CredentialsError(
      'wrong-region',
      `bucket ${location.bucket} is in ${region ? `region ${region}` : 'another region'}; pass --region ${region ?? '<its region>'} (or set AWS_REGION).`,
    );
  }
  return new CredentialsError(
    'unreachable',
    `cannot read ${where}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
  );
}

/**
 * Reads the app's credentials once. With `etag`, the read is conditional and resolves `undefined`
 * when the document has not changed (S3 answers 304 and nothing is downloaded).
 */
export async function loadCredentials(
  location: CredentialsLocation,
  options: { etag?: string; clients?: ClientFactory } = {},
): Promise<LoadedCredentials | undefined> {
  const { s3, sts } = (options.clients ?? defaultClients)(location.region);
  const key = credentialsKey(location.appId);
  try {
    const result = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: key, IfNoneMatch: options.etag }),
    );
    const text = (await result.Body?.transformToString('utf-8')) ?? '';
    return { document: parseCredentials(text, `s3://${location.bucket}/${key}`), etag: result.ETag ?? '' };
  } catch (error) {
    if (error instanceof CredentialsError) throw error;
    const e = error as S3ErrorShape;
    if (e.$metadata?.httpStatusCode === 304 || e.name === 'NotModified') return undefined;
    throw await explain(error, location, sts);
  } finally {
    s3.destroy();
    sts.destroy();
  }
}

export interface WatcherOptions extends CredentialsLocation {
  /** Between polls; default 120 s, the original agent's interval and far below the key overlap of 24 h. */
  intervalMs?: number;
  clients?: ClientFactory;
}

interface WatcherEvents {
  /** A new document: the first one, or one whose content differs from the last. */
  change: [CredentialsDocument];
  /** A poll failed; the last good document is still served. */
  error: [CredentialsError];
}

/**
 * Polls the app's credentials.json, downloading it only when its ETag changed, and emits `change` when
 * the content changes. A failed poll emits `error` and keeps serving the last good document.
 */
export class CredentialsWatcher extends EventEmitter<WatcherEvents> {
  private timer: NodeJS.Timeout | undefined;
  private etag: string | undefined;
  private latest: CredentialsDocument | undefined;
  private stopped = true;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: WatcherOptions) {
    super();
  }

  /** The last good document, if any poll succeeded. */
  current(): CredentialsDocument | undefined {
    return this.latest;
  }

  /** Polls now, then every interval. Resolves after the first poll (whether it succeeded or not). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.pollAndSchedule();
  }

  /** Stops polling; an in-flight poll is allowed to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
  }

  /** One poll: resolves true when the document changed. Errors are emitted, not thrown. */
  async poll(): Promise<boolean> {
    try {
      const loaded = await loadCredentials(this.options, { etag: this.etag, clients: this.options.clients });
      if (!loaded) return false;
      this.etag = loaded.etag;
      // Validated documents have a fixed shape, so equal content serializes equally.
      if (JSON.stringify(loaded.document) === JSON.stringify(this.latest)) return false;
      this.latest = loaded.document;
      this.emit('change', loaded.document);
      return true;
    } catch (error) {
      const failure =
        error instanceof CredentialsError ? error : new CredentialsError('unreachable', String(error));
      if (this.listenerCount('error') > 0) this.emit('error', failure);
      return false;
    }
  }

  private async pollAndSchedule(): Promise<void> {
    this.inFlight = this.poll().then(() => undefined);
    await this.inFlight;
    this.inFlight = undefined;
    if (!this.stopped) {
      // Not unref'd: a started watcher keeps the process alive, as the agent relies on; stop() ends it.
      this.timer = setTimeout(() => void this.pollAndSchedule(), this.options.intervalMs ?? 120_000);
    }
  }
}
