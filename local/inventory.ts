import {
  CognitoIdentityProviderClient,
  ListUserPoolClientSecretsCommand,
  ListUserPoolClientsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { IAMClient, ListAccessKeysCommand, type StatusType } from '@aws-sdk/client-iam';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { CognitoIdentityStore } from '../lambdas/adapters/cognito-identity-store';
import { IamIdentityStore } from '../lambdas/adapters/iam-identity-store';

export interface UserInventory {
  userName: string;
  /** IAM: the user's ARN; Cognito: `cognito-idp:<pool id>:user/<name>`, as the store names it. */
  arn: string;
  /** IAM: the user's path. */
  path?: string;
  /** Cognito: the id of the user's app client (what credentials.json publishes as `client_id`). */
  clientId?: string;
  /**
   * IAM: the user's access key ids and their status. Cognito: the ids of the app client's secrets
   * (ClientSecretId), each `Active`: Cognito lists only the secrets that work.
   */
  keys: { id: string; status: StatusType | undefined }[];
  /** Mint's marks: IAM user tags, or the Cognito user's custom attributes by the tag they stand for. */
  tags: Record<string, string>;
}

/** Cognito: an app client in the pool, by name, whether or not a user claims it. */
export interface ClientInventory {
  clientId: string;
  name: string;
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
  /** Cognito: the user pool the users and clients are in. */
  userPoolId?: string;
  users: UserInventory[];
  /** Cognito: every app client in the pool, so one left behind by a deleted user shows. */
  clients?: ClientInventory[];
  objects: ObjectInventory[];
}

/** Where the service users are: IAM users under a path, or a Cognito user pool. */
export type InventoryStore = { userPath: string } | { userPoolId: string };

/** Which store a local run's Lambda environment uses, for `takeInventory`. */
export function inventoryStoreOf(environment: Record<string, string | undefined>): InventoryStore {
  return environment.MINT_IDENTITY_STORE === 'cognito'
    ? { userPoolId: environment.MINT_USER_POOL_ID ?? '' }
    : { userPath: environment.MINT_USER_PATH ?? '/mint/' };
}

/** `store`: an IAM user path such as `/mint/`, or where the service users are (`inventoryStoreOf`). */
export async function takeInventory(bucket: string, store: string | InventoryStore): Promise<Inventory> {
  const where = typeof store === 'string' ? { userPath: store } : store;
  const region = process.env.AWS_REGION;
  const s3 = new S3Client({ region, forcePathStyle: true });
  try {
    const identities =
      'userPoolId' in where ? await cognitoUsers(where.userPoolId) : await iamUsers(where.userPath);
    const objects = await objectVersions(s3, bucket);
    return {
      ...identities,
      users: identities.users.sort((a, b) => a.userName.localeCompare(b.userName)),
      objects,
    };
  } finally {
    s3.destroy();
  }
}

async function iamUsers(userPath: string): Promise<Pick<Inventory, 'users'>> {
  const iam = new IAMClient({ region: process.env.AWS_REGION });
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
    return { users };
  } finally {
    iam.destroy();
  }
}

/** The pool's users with their clients' secret ids (never values), and every client in the pool. */
async function cognitoUsers(
  userPoolId: string,
): Promise<Pick<Inventory, 'userPoolId' | 'users' | 'clients'>> {
  const cognito = new CognitoIdentityProviderClient({ region: process.env.AWS_REGION });
  try {
    const listed = await new CognitoIdentityStore(cognito, { userPoolId, scopes: [] }).listServiceUsers();
    const users: UserInventory[] = [];
    for (const user of listed) {
      const secrets = user.clientId
        ? await cognito.send(
            new ListUserPoolClientSecretsCommand({ UserPoolId: userPoolId, ClientId: user.clientId }),
          )
        : undefined;
      users.push({
        userName: user.userName,
        arn: user.arn,
        ...(user.clientId ? { clientId: user.clientId } : {}),
        keys: (secrets?.ClientSecrets ?? []).map((secret) => ({
          id: secret.ClientSecretId ?? '',
          status: 'Active',
        })),
        tags: user.tags,
      });
    }
    const clients: ClientInventory[] = [];
    let token: string | undefined;
    do {
      const page = await cognito.send(
        new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken: token }),
      );
      for (const client of page.UserPoolClients ?? [])
        clients.push({ clientId: client.ClientId ?? '', name: client.ClientName ?? '' });
      token = page.NextToken;
    } while (token);
    return { userPoolId, users, clients: clients.sort((a, b) => a.name.localeCompare(b.name)) };
  } finally {
    cognito.destroy();
  }
}

async function objectVersions(s3: S3Client, bucket: string): Promise<ObjectInventory[]> {
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
  return [...versions.entries()]
    .map(([key, list]) => ({
      key,
      versions: list.sort((a, b) => b.modified - a.modified).map((v) => v.id),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}
