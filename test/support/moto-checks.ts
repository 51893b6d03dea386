import { GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetObjectCommand, GetObjectTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { credentialsKey } from '../../lambdas/core/credentials';
import { TAG } from '../../lambdas/core/service-users';
import type { Inventory, UserInventory } from '../../local/inventory';

/**
 * Checks made the way an outsider would make them, straight against moto (never through a fault
 * proxy): read the published file, sign a call with the key in it.
 */
export class MotoChecks {
  constructor(
    private readonly endpoint: string,
    private readonly bucket: string,
  ) {}

  private client<T>(make: (config: { endpoint: string; region: string }) => T): T {
    return make({ endpoint: this.endpoint, region: process.env.AWS_REGION ?? 'eu-central-1' });
  }

  /** The current version of an object, or undefined when there is none. */
  async read(key: string): Promise<string | undefined> {
    const s3 = this.client((c) => new S3Client({ ...c, forcePathStyle: true }));
    try {
      const result = await s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await result.Body?.transformToString()) ?? '';
    } catch (error) {
      if (error instanceof Error && error.name === 'NoSuchKey') return undefined;
      throw error;
    } finally {
      s3.destroy();
    }
  }

  async write(key: string, body: string): Promise<void> {
    const s3 = this.client((c) => new S3Client({ ...c, forcePathStyle: true }));
    try {
      await s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
    } finally {
      s3.destroy();
    }
  }

  /** The object tags of an object's current version. */
  async tagsOf(key: string): Promise<Record<string, string>> {
    const s3 = this.client((c) => new S3Client({ ...c, forcePathStyle: true }));
    try {
      const result = await s3.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: key }));
      return Object.fromEntries((result.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    } finally {
      s3.destroy();
    }
  }

  /** The current credentials.json of an app, parsed, or undefined when there is none. */
  async published(appId: string): Promise<Record<string, string> | undefined> {
    const text = await this.read(credentialsKey(appId));
    return text === undefined ? undefined : (JSON.parse(text) as Record<string, string>);
  }

  /** Who STS says the published access key belongs to. */
  async callerOf(document: Record<string, string>): Promise<string | undefined> {
    const sts = this.client(
      (c) =>
        new STSClient({
          ...c,
          credentials: {
            accessKeyId: document.client_id ?? '',
            secretAccessKey: document.client_secret ?? '',
          },
        }),
    );
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  }

  async boundaryOf(userName: string): Promise<string | undefined> {
    const iam = this.client((c) => new IAMClient(c));
    return (await iam.send(new GetUserCommand({ UserName: userName }))).User?.PermissionsBoundary
      ?.PermissionsBoundaryArn;
  }
}

export function userIn(inventory: Inventory, appId: string): UserInventory | undefined {
  return inventory.users.find((u) => u.tags[TAG.appId] === appId);
}

/** The part of an inventory a cycle with nothing to do must leave alone: all but its own cycle files. */
export function durableState(inventory: Inventory) {
  return {
    users: inventory.users,
    objects: inventory.objects.filter((o) => !o.key.startsWith('_mint/cycles/')),
  };
}
