import { IAMClient, ListAccessKeysCommand, type StatusType } from '@aws-sdk/client-iam';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { IamIdentityStore } from '../lambdas/adapters/iam-identity-store';

export interface UserInventory {
  userName: string;
  arn: string;
  path: string;
  keys: { id: string; status: StatusType | undefined }[];
  tags: Record<string, string>;
}

export interface ObjectInventory {
  key: string;
  /** Version ids, newest first; delete markers are not versions. */
  versions: string[];
}

/**
 * What exists in the local account: service users with their key ids and tags, and the bucket's
 * objects with their versions. Never secret values, so it can be printed and saved.
 */
export interface Inventory {
  users: UserInventory[];
  objects: ObjectInventory[];
}

export async function takeInventory(bucket: string, userPath: string): Promise<Inventory> {
  const region = process.env.AWS_REGION;
  const iam = new IAMClient({ region });
  const s3 = new S3Client({ region, forcePathStyle: true });
  try {
    // One listing call per 1,000 users brings paths and tags (as Mint itself reads them); only the
    // key status needs a call per user.
    const listed = await new IamIdentityStore(iam, { path: userPath, boundaryArn: '' }).listServiceUsers();
    const users: UserInventory[] = [];
    for (const user of listed) {
      const keys = await iam.send(new ListAccessKeysCommand({ UserName: user.userName }));
      users.push({
        userName: user.userName,
        arn: user.arn,
        path: userPath,
        keys: (keys.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId ?? '', status: k.Status })),
        tags: user.tags,
      });
    }

    const versions = new Map<string, { id: string; modified: number }[]>();
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      for (const v of page.Versions ?? []) {
        const list = versions.get(v.Key ?? '') ?? [];
        list.push({ id: v.VersionId ?? '', modified: v.LastModified?.getTime() ?? 0 });
        versions.set(v.Key ?? '', list);
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    const objects = [...versions.entries()]
      .map(([key, list]) => ({
        key,
        versions: list.sort((a, b) => b.modified - a.modified).map((v) => v.id),
      }))
      .sort((a, b) => a.key.localeCompare(b.key));
    return { users: users.sort((a, b) => a.userName.localeCompare(b.userName)), objects };
  } finally {
    iam.destroy();
    s3.destroy();
  }
}
