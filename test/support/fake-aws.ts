import * as IAM from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { currentTask } from '../../local/task-context';
import type { SdkCall, Service } from './authorization/sdk-permissions';

/** An error shaped like the SDK's service exceptions (name = AWS error code). */
export function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

interface FakeUser {
  userName: string;
  path: string;
  arn: string;
  boundary?: string;
  tags: Record<string, string>;
  keys: { id: string; secret: string }[];
  password?: string;
  /** What else IAM lets anyone hang on a user; DeleteUser refuses while any of it remains. */
  attachedPolicies: string[];
  inlinePolicies: string[];
  groups: string[];
  mfaDevices: string[];
  signingCertificates: string[];
  sshPublicKeys: string[];
  serviceCredentials: string[];
}

/**
 * DeleteUser's refusals, in the order they are checked: the IAM API reference lists each item that must
 * go before DeleteUser (password, access keys, signing certificates, SSH public keys, service-specific
 * credentials, MFA devices, inline policies, attached managed policies, group memberships), and IAM
 * answers `DeleteConflict` naming the first one left.
 */
const DELETE_CONFLICTS: [(user: FakeUser) => boolean, string][] = [
  [(u) => u.password !== undefined, 'must delete login profile first'],
  [(u) => u.keys.length > 0, 'must delete access keys first'],
  [(u) => u.signingCertificates.length > 0, 'must delete signing certificates first'],
  [(u) => u.sshPublicKeys.length > 0, 'must delete SSH public keys first'],
  [(u) => u.serviceCredentials.length > 0, 'must delete service specific credentials first'],
  [(u) => u.mfaDevices.length > 0, 'must delete MFA device first'],
  [(u) => u.inlinePolicies.length > 0, 'must delete policies first'],
  [(u) => u.attachedPolicies.length > 0, 'must detach all policies first'],
  [(u) => u.groups.length > 0, 'must remove users from group first'],
];

/** One page of an IAM list: `MaxItems` (default 100, as IAM's) from the numeric `Marker`. */
function iamPage<T>(items: readonly T[], input: Record<string, unknown>) {
  const max = Number(input.MaxItems ?? 100);
  const start = Number(input.Marker ?? 0);
  const more = start + max < items.length;
  return {
    page: items.slice(start, start + max),
    IsTruncated: more,
    Marker: more ? String(start + max) : undefined,
  };
}

/**
 * A process killed at one call: the call is applied (or not), and the invocation making it dies, so
 * none of its later calls reach AWS (it cannot even record that it failed).
 */
export interface KillRule {
  command: string;
  when?: (input: Record<string, unknown>) => boolean;
  /** Whether the call took effect before the process died (its reply was lost). */
  applied: boolean;
}

export interface FakeAwsOptions {
  /**
   * Decides, before the call has any effect, whether AWS would authorize it; throws the error AWS would
   * answer with. The workflow tier passes the deployed policies here (see `authorization/`).
   */
  authorize?: (call: SdkCall, aws: FakeAws) => Promise<void>;
}

/**
 * A small stateful stand-in for IAM, S3 and STS behind aws-sdk-client-mock: enough of each API for
 * Mint's calls, with IAM's real limits (two keys per user; DeleteUser refuses with DeleteConflict while
 * anything is attached to the user, see `DELETE_CONFLICTS`).
 * `failNext(command, error)` injects one failure; `calls` counts operations.
 */
export class FakeAws {
  readonly account = '111111111111';
  users = new Map<string, FakeUser>();
  objects = new Map<string, { body: string; version: number }[]>();
  /** When each key's current version was written (for ListObjectsV2's LastModified). */
  modified = new Map<string, Date>();
  /** The current version's object tags, by key. */
  objectTags = new Map<string, Record<string, string>>();
  calls: string[] = [];
  /** IAM's users-per-account quota: CreateUser fails with LimitExceeded once the account holds this many. */
  usersQuota = 5000;
  private keySeq = 0;
  private injected: { command: string; error: Error; when?: (input: Record<string, unknown>) => boolean }[] =
    [];
  iam: AwsClientStub<IAM.IAMClient>;
  s3: AwsClientStub<S3.S3Client>;
  sts: AwsClientStub<STSClient>;
  sfn: AwsClientStub<SFNClient>;
  secrets: AwsClientStub<SecretsManagerClient>;
  /** Secrets Manager's secrets, by name: the Kio token. */
  secretValues = new Map<string, string>();
  running: { executionArn: string; startDate: Date }[] = [];

  constructor(private readonly options: FakeAwsOptions = {}) {
    this.iam = mockClient(IAM.IAMClient);
    this.s3 = mockClient(S3.S3Client);
    this.sts = mockClient(STSClient);
    this.sfn = mockClient(SFNClient);
    this.secrets = mockClient(SecretsManagerClient);
    this.install();
  }

  restore(): void {
    for (const stub of [this.iam, this.s3, this.sts, this.sfn, this.secrets]) stub.restore();
  }

  private kill?: KillRule;
  private killed = new WeakSet<object>();

  /** Kills the invocation that makes the next matching call (see KillRule); once. */
  killAt(rule: KillRule): void {
    this.kill = rule;
  }

  /** Whether the kill rule is still waiting for its call (false once it struck). */
  get killPending(): boolean {
    return this.kill !== undefined;
  }

  /** Injected failures not yet used up. */
  get failuresPending(): number {
    return this.injected.length;
  }

  failNext(command: string, error: Error, when?: (input: Record<string, unknown>) => boolean): void {
    this.injected.push({ command, error, when });
  }

  /** Lifts every injected failure not yet used up: the outage is over. */
  clearFailures(): void {
    this.injected = [];
  }

  /** Every secret value ever handed out: what the leak test searches for. */
  secretsIssued: string[] = [];

  private etags = new Map<string, string>();
  private writes = 0;

  /** The current version's ETag: a new one for every write, as S3 gives (content hashes aside). */
  etag(key: string): string {
    return this.etags.get(key) ?? '""';
  }

  object(key: string): string | undefined {
    const versions = this.objects.get(key);
    return versions?.[versions.length - 1]?.body;
  }

  addUser(userName: string, tags: Record<string, string>, path = '/mint/', boundary?: string): FakeUser {
    const user: FakeUser = {
      userName,
      path,
      arn: `arn:aws:iam::${this.account}:user${path}${userName}`,
      boundary,
      tags,
      keys: [],
      attachedPolicies: [],
      inlinePolicies: [],
      groups: [],
      mfaDevices: [],
      signingCertificates: [],
      sshPublicKeys: [],
      serviceCredentials: [],
    };
    this.users.set(userName, user);
    return user;
  }

  private user(name: unknown): FakeUser {
    const user = this.users.get(String(name));
    if (!user) throw awsError('NoSuchEntityException', `The user with name ${String(name)} cannot be found.`);
    return user;
  }

  private on<I extends object, O>(
    stub: AwsClientStub<never>,
    command: new (input: I) => unknown,
    name: string,
    fn: (
      input: Record<string, unknown>,
      client: () => {
        config: { credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string }> };
      },
    ) => O | Promise<O>,
  ): void {
    // biome-ignore lint/suspicious/noExplicitAny: aws-sdk-client-mock's command typing is per client; this helper serves all four.
    (stub as any).on(command).callsFake(async (input: Record<string, unknown>, getClient: any) => {
      this.calls.push(name);
      // The mock hands out the client of the latest call: take this call's before any await.
      const client = getClient();
      const invocation = currentTask.getStore();
      if (invocation && this.killed.has(invocation)) throw awsError('Killed', 'the process was killed');
      const kill = this.kill;
      if (invocation && kill && kill.command === name && (!kill.when || kill.when(input))) {
        this.kill = undefined;
        this.killed.add(invocation);
        if (kill.applied) await fn(input, () => client);
        throw awsError('Killed', 'the process was killed');
      }
      if (this.options.authorize) {
        await this.options.authorize({ service: this.serviceOf(stub), operation: name, input }, this);
      }
      const index = this.injected.findIndex((i) => i.command === name && (!i.when || i.when(input)));
      if (index >= 0) {
        const [injected] = this.injected.splice(index, 1);
        throw injected?.error;
      }
      return fn(input, () => client);
    });
  }

  private serviceOf(stub: AwsClientStub<never>): Service {
    const services: [unknown, Service][] = [
      [this.iam, 'iam'],
      [this.s3, 's3'],
      [this.sts, 'sts'],
      [this.sfn, 'sfn'],
      [this.secrets, 'secretsmanager'],
    ];
    const found = services.find(([candidate]) => candidate === stub);
    if (!found) throw new Error('a stub FakeAws does not know');
    return found[1];
  }

  private install(): void {
    const iam = this.iam as unknown as AwsClientStub<never>;
    const s3 = this.s3 as unknown as AwsClientStub<never>;
    this.on(iam, IAM.GetAccountAuthorizationDetailsCommand, 'GetAccountAuthorizationDetails', (input) => {
      const all = [...this.users.values()];
      const max = Number(input.MaxItems ?? 100);
      const start = Number(input.Marker ?? 0);
      const page = all.slice(start, start + max);
      const more = start + max < all.length;
      return {
        UserDetailList: page.map((u) => ({
          UserName: u.userName,
          Path: u.path,
          Arn: u.arn,
          PermissionsBoundary: u.boundary
            ? { PermissionsBoundaryArn: u.boundary, PermissionsBoundaryType: 'Policy' }
            : undefined,
          Tags: Object.entries(u.tags).map(([Key, Value]) => ({ Key, Value })),
        })),
        IsTruncated: more,
        Marker: more ? String(start + max) : undefined,
      };
    });
    this.on(iam, IAM.CreateUserCommand, 'CreateUser', (input) => {
      if (this.users.has(String(input.UserName)))
        throw awsError('EntityAlreadyExistsException', `User with name ${input.UserName} already exists.`);
      if (this.users.size >= this.usersQuota)
        throw awsError(
          'LimitExceededException',
          `Cannot exceed quota for UsersPerAccount: ${this.usersQuota}`,
        );
      const tags = Object.fromEntries(
        ((input.Tags ?? []) as IAM.Tag[]).map((t) => [t.Key ?? '', t.Value ?? '']),
      );
      const user = this.addUser(
        String(input.UserName),
        tags,
        String(input.Path),
        input.PermissionsBoundary as string,
      );
      return { User: { UserName: user.userName, Arn: user.arn, Path: user.path } };
    });
    this.on(iam, IAM.DeleteUserCommand, 'DeleteUser', (input) => {
      const user = this.user(input.UserName);
      const conflict = DELETE_CONFLICTS.find(([holds]) => holds(user));
      if (conflict) throw awsError('DeleteConflictException', `Cannot delete entity, ${conflict[1]}.`);
      this.users.delete(user.userName);
      return {};
    });
    // What else hangs on a user: listed a page at a time, removed one by one.
    const attachments = (
      list: new (input: never) => unknown,
      listName: string,
      remove: new (input: never) => unknown,
      removeName: string,
      field: keyof Pick<
        FakeUser,
        | 'attachedPolicies'
        | 'inlinePolicies'
        | 'mfaDevices'
        | 'signingCertificates'
        | 'sshPublicKeys'
        | 'serviceCredentials'
      >,
      idParam: string,
      shape: (id: string) => [string, unknown],
    ) => {
      this.on(iam, list, listName, (input) => {
        const { page, IsTruncated, Marker } = iamPage(this.user(input.UserName)[field], input);
        const [member] = shape('');
        return { [member]: page.map((id) => shape(id)[1]), IsTruncated, Marker };
      });
      this.on(iam, remove, removeName, (input) => {
        const user = this.user(input.UserName);
        const id = String(input[idParam]);
        if (!user[field].includes(id)) throw awsError('NoSuchEntityException', `${id} cannot be found.`);
        user[field] = user[field].filter((existing) => existing !== id);
        return {};
      });
    };
    attachments(
      IAM.ListAttachedUserPoliciesCommand,
      'ListAttachedUserPolicies',
      IAM.DetachUserPolicyCommand,
      'DetachUserPolicy',
      'attachedPolicies',
      'PolicyArn',
      (arn) => ['AttachedPolicies', { PolicyArn: arn, PolicyName: arn.split('/').pop() }],
    );
    attachments(
      IAM.ListUserPoliciesCommand,
      'ListUserPolicies',
      IAM.DeleteUserPolicyCommand,
      'DeleteUserPolicy',
      'inlinePolicies',
      'PolicyName',
      (name) => ['PolicyNames', name],
    );
    attachments(
      IAM.ListMFADevicesCommand,
      'ListMFADevices',
      IAM.DeactivateMFADeviceCommand,
      'DeactivateMFADevice',
      'mfaDevices',
      'SerialNumber',
      (serial) => ['MFADevices', { SerialNumber: serial, EnableDate: new Date() }],
    );
    attachments(
      IAM.ListSigningCertificatesCommand,
      'ListSigningCertificates',
      IAM.DeleteSigningCertificateCommand,
      'DeleteSigningCertificate',
      'signingCertificates',
      'CertificateId',
      (id) => ['Certificates', { CertificateId: id, Status: 'Active' }],
    );
    attachments(
      IAM.ListSSHPublicKeysCommand,
      'ListSSHPublicKeys',
      IAM.DeleteSSHPublicKeyCommand,
      'DeleteSSHPublicKey',
      'sshPublicKeys',
      'SSHPublicKeyId',
      (id) => ['SSHPublicKeys', { SSHPublicKeyId: id, Status: 'Active' }],
    );
    attachments(
      IAM.ListServiceSpecificCredentialsCommand,
      'ListServiceSpecificCredentials',
      IAM.DeleteServiceSpecificCredentialCommand,
      'DeleteServiceSpecificCredential',
      'serviceCredentials',
      'ServiceSpecificCredentialId',
      (id) => ['ServiceSpecificCredentials', { ServiceSpecificCredentialId: id, Status: 'Active' }],
    );
    this.on(iam, IAM.ListGroupsForUserCommand, 'ListGroupsForUser', (input) => {
      const { page, IsTruncated, Marker } = iamPage(this.user(input.UserName).groups, input);
      return {
        Groups: page.map((name) => ({ GroupName: name, Arn: `arn:aws:iam::${this.account}:group/${name}` })),
        IsTruncated,
        Marker,
      };
    });
    this.on(iam, IAM.RemoveUserFromGroupCommand, 'RemoveUserFromGroup', (input) => {
      const user = this.user(input.UserName);
      user.groups = user.groups.filter((group) => group !== input.GroupName);
      return {};
    });
    this.on(iam, IAM.PutUserPermissionsBoundaryCommand, 'PutUserPermissionsBoundary', (input) => {
      this.user(input.UserName).boundary = String(input.PermissionsBoundary);
      return {};
    });
    this.on(iam, IAM.ListAccessKeysCommand, 'ListAccessKeys', (input) => ({
      AccessKeyMetadata: this.user(input.UserName).keys.map((k) => ({ AccessKeyId: k.id, Status: 'Active' })),
    }));
    this.on(iam, IAM.CreateAccessKeyCommand, 'CreateAccessKey', (input) => {
      const user = this.user(input.UserName);
      if (user.keys.length >= 2)
        throw awsError('LimitExceededException', 'Cannot exceed quota for AccessKeysPerUser: 2');
      this.keySeq++;
      const key = {
        id: `AKIAFAKE${String(this.keySeq).padStart(8, '0')}`,
        secret: `secret-${this.keySeq}-${Math.random().toString(36).slice(2)}`,
      };
      user.keys.push(key);
      this.secretsIssued.push(key.secret);
      return {
        AccessKey: {
          UserName: user.userName,
          AccessKeyId: key.id,
          SecretAccessKey: key.secret,
          Status: 'Active',
        },
      };
    });
    this.on(iam, IAM.DeleteAccessKeyCommand, 'DeleteAccessKey', (input) => {
      const user = this.user(input.UserName);
      if (!user.keys.some((k) => k.id === input.AccessKeyId))
        throw awsError('NoSuchEntityException', 'no such key');
      user.keys = user.keys.filter((k) => k.id !== input.AccessKeyId);
      return {};
    });
    const setPassword = (create: boolean) => (input: Record<string, unknown>) => {
      const user = this.user(input.UserName);
      if (create && user.password)
        throw awsError('EntityAlreadyExistsException', 'Login Profile already exists');
      if (!create && !user.password) throw awsError('NoSuchEntityException', 'Login Profile cannot be found');
      user.password = String(input.Password);
      this.secretsIssued.push(user.password);
      return {};
    };
    this.on(iam, IAM.UpdateLoginProfileCommand, 'UpdateLoginProfile', setPassword(false));
    this.on(iam, IAM.CreateLoginProfileCommand, 'CreateLoginProfile', setPassword(true));
    this.on(iam, IAM.DeleteLoginProfileCommand, 'DeleteLoginProfile', (input) => {
      const user = this.user(input.UserName);
      if (!user.password) throw awsError('NoSuchEntityException', 'Login Profile cannot be found');
      user.password = undefined;
      return {};
    });
    this.on(iam, IAM.TagUserCommand, 'TagUser', (input) => {
      const user = this.user(input.UserName);
      for (const tag of (input.Tags ?? []) as IAM.Tag[]) user.tags[tag.Key ?? ''] = tag.Value ?? '';
      return {};
    });
    this.on(iam, IAM.ListUserTagsCommand, 'ListUserTags', (input) => ({
      Tags: Object.entries(this.user(input.UserName).tags).map(([Key, Value]) => ({ Key, Value })),
      IsTruncated: false,
    }));
    this.on(iam, IAM.GetAccountSummaryCommand, 'GetAccountSummary', () => ({
      SummaryMap: { Users: this.users.size, UsersQuota: this.usersQuota },
    }));
    this.on(iam, IAM.GetAccountPasswordPolicyCommand, 'GetAccountPasswordPolicy', () => {
      throw awsError(
        'NoSuchEntityException',
        'The Password Policy with domain name 111111111111 cannot be found.',
      );
    });

    this.on(s3, S3.PutObjectCommand, 'PutObject', (input) => {
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
      this.modified.set(key, new Date());
      this.etags.set(key, `"etag-${++this.writes}"`);
      return { VersionId: `v${versions.length}`, ETag: this.etag(key) };
    });
    this.on(s3, S3.PutObjectTaggingCommand, 'PutObjectTagging', (input) => {
      const key = String(input.Key);
      if (this.object(key) === undefined) throw awsError('NoSuchKey', 'The specified key does not exist.');
      const tags = ((input.Tagging as S3.Tagging).TagSet ?? []) as S3.Tag[];
      this.objectTags.set(key, Object.fromEntries(tags.map((t) => [String(t.Key), String(t.Value)])));
      return { VersionId: `v${this.objects.get(key)?.length}` };
    });
    this.on(s3, S3.GetObjectCommand, 'GetObject', (input) => {
      const body = this.object(String(input.Key));
      if (body === undefined) throw awsError('NoSuchKey', 'The specified key does not exist.');
      return {
        Body: { transformToString: async () => body },
        ETag: this.etag(String(input.Key)),
        LastModified: this.modified.get(String(input.Key)),
      };
    });
    this.on(s3, S3.DeleteObjectCommand, 'DeleteObject', (input) => {
      this.objects.delete(String(input.Key));
      this.objectTags.delete(String(input.Key));
      return {};
    });
    this.on(s3, S3.ListObjectsV2Command, 'ListObjectsV2', (input) => ({
      Contents: [...this.objects.keys()]
        .filter((key) => key.startsWith(String(input.Prefix ?? '')) && this.object(key) !== undefined)
        .sort()
        .map((key) => ({ Key: key, LastModified: this.modified.get(key) ?? new Date(0) })),
      IsTruncated: false,
    }));
    this.on(s3, S3.ListObjectVersionsCommand, 'ListObjectVersions', (input) => ({
      Versions: [...this.objects.entries()]
        .filter(([key]) => key.startsWith(String(input.Prefix)))
        .flatMap(([key, versions]) => versions.map((v) => ({ Key: key, VersionId: `v${v.version}` }))),
      IsTruncated: false,
    }));
    this.on(s3, S3.DeleteObjectsCommand, 'DeleteObjects', (input) => {
      for (const object of ((input.Delete as S3.Delete).Objects ?? []) as S3.ObjectIdentifier[])
        this.objects.delete(String(object.Key));
      return { Errors: [] };
    });

    // STS authenticates the key the client signs with: it works while IAM has that key and secret.
    this.on(
      this.sts as unknown as AwsClientStub<never>,
      GetCallerIdentityCommand,
      'GetCallerIdentity',
      async (_input, client) => {
        const { accessKeyId, secretAccessKey } = await client().config.credentials();
        const owner = [...this.users.values()].find((u) =>
          u.keys.some((k) => k.id === accessKeyId && k.secret === secretAccessKey),
        );
        if (!owner)
          throw awsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
        return { Arn: owner.arn, Account: this.account, UserId: 'AIDAFAKE' };
      },
    );
    this.on(
      this.secrets as unknown as AwsClientStub<never>,
      GetSecretValueCommand,
      'GetSecretValue',
      (input) => {
        const value = this.secretValues.get(String(input.SecretId));
        if (value === undefined)
          throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return { SecretString: value };
      },
    );
    this.on(this.sfn as unknown as AwsClientStub<never>, ListExecutionsCommand, 'ListExecutions', () => ({
      executions: this.running,
    }));
  }
}
