import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import * as IAM from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { currentTask } from '../task-context';
import { CognitoPools, type FakePool } from './cognito-pools';
import { registerAttachments } from './iam-attachments';
import { registerCredentials } from './iam-credentials';
import { type FakeUser, IamUsers } from './iam-users';
import { awsError, type Operation, type Register } from './operations';
import { type ObjectVersion, S3Objects } from './s3-objects';
import type { SdkCall, Service } from './sdk-call';
import { type ApiClass, Throttling, type ThrottlingOptions } from './throttling';

export type { FakePool };
export { awsError };

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

/** Decides, before a call has any effect, whether AWS would authorize it; throws the error AWS would answer with. */
export type AuthorizeCall = (call: SdkCall, aws: FakeAws) => Promise<void>;

export interface FakeAwsOptions extends Partial<ThrottlingOptions> {
  /** The workflow tier passes the deployed policies here (see `test/support/authorization/`). */
  authorize?: AuthorizeCall;
  // With a `clock` (see throttling.ts): `latencyMs` per call, `throttle` by API class and
  // `keyPropagationMs`, all in the clock's time. Without one: no latency, no throttling, no propagation.
}

/**
 * A small stateful stand-in for IAM, S3 and STS behind aws-sdk-client-mock: enough of each API for
 * Mint's calls, with IAM's real limits (two keys per user; DeleteUser refuses with DeleteConflict while
 * anything is attached to the user). Each service's state and operations live in a module of their own;
 * this class owns the stubs and what every call shares.
 * `failNext(command, error)` injects one failure; `calls` counts operations.
 */
export class FakeAws {
  readonly account = '111111111111';
  private readonly iamUsers = new IamUsers(this.account);
  private readonly s3Objects = new S3Objects();
  readonly users: Map<string, FakeUser> = this.iamUsers.users;
  /** IAM groups that exist in the account (AddUserToGroup refuses any other). */
  readonly iamGroups: Set<string> = this.iamUsers.groups;
  readonly objects: Map<string, ObjectVersion[]> = this.s3Objects.objects;
  /** When each key's current version was written (for ListObjectsV2's LastModified). */
  readonly modified: Map<string, Date> = this.s3Objects.modified;
  /** The current version's object tags, by key. */
  readonly objectTags: Map<string, Record<string, string>> = this.s3Objects.objectTags;
  calls: string[] = [];
  private injected: { command: string; error: Error; when?: (input: Record<string, unknown>) => boolean }[] =
    [];
  iam: AwsClientStub<IAM.IAMClient>;
  s3: AwsClientStub<S3.S3Client>;
  sts: AwsClientStub<STSClient>;
  sfn: AwsClientStub<SFNClient>;
  secrets: AwsClientStub<SecretsManagerClient>;
  cognito: AwsClientStub<CognitoIdentityProviderClient>;
  /** Secrets Manager's secrets, by name: the Kio token. */
  secretValues = new Map<string, string>();
  /**
   * Executions Step Functions knows: without a state machine they belong to any, without a status they
   * are running. ListExecutions filters and pages them as Step Functions does, newest first.
   */
  running: { executionArn: string; startDate: Date; stateMachineArn?: string; status?: string }[] = [];
  /** The most executions one ListExecutions page returns (Step Functions: maxResults up to 1,000). */
  executionsPageSize = 1000;
  /** Every secret value ever handed out: what the leak test searches for. */
  readonly secretsIssued: string[] = [];
  /** Cognito user pools (`addPool` makes one as Mint's stack would). */
  readonly cognitoPools = new CognitoPools('eu-central-1', this.secretsIssued);
  /** Latency, rate limits and key propagation: only with a clock. */
  private readonly throttling?: Throttling;

  constructor(private readonly options: FakeAwsOptions = {}) {
    const { clock } = options;
    if (clock) this.throttling = new Throttling({ ...options, clock });
    this.iam = mockClient(IAM.IAMClient);
    this.s3 = mockClient(S3.S3Client);
    this.sts = mockClient(STSClient);
    this.sfn = mockClient(SFNClient);
    this.secrets = mockClient(SecretsManagerClient);
    this.cognito = mockClient(CognitoIdentityProviderClient);
    this.install();
  }

  /** IAM's users-per-account quota: CreateUser fails with LimitExceeded once the account holds this many. */
  get usersQuota(): number {
    return this.iamUsers.usersQuota;
  }

  set usersQuota(quota: number) {
    this.iamUsers.usersQuota = quota;
  }

  /** Calls refused for their rate, by API class (all zero without a clock). */
  get throttled(): Record<ApiClass, number> {
    return { ...(this.throttling?.throttled ?? { iamWrite: 0, iamRead: 0, sts: 0, s3: 0 }) };
  }

  /** Calls received by API class, refused ones included (all zero without a clock). */
  /** The operation of every call refused for its rate, in order (included in `calls` too). */
  get refusedCalls(): readonly string[] {
    return this.throttling?.refused ?? [];
  }

  get callsByClass(): Record<ApiClass, number> {
    return { ...(this.throttling?.callsByClass ?? { iamWrite: 0, iamRead: 0, sts: 0, s3: 0 }) };
  }

  restore(): void {
    for (const stub of [this.iam, this.s3, this.sts, this.sfn, this.secrets, this.cognito]) stub.restore();
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

  /** The current version's ETag: a new one for every write, as S3 gives (content hashes aside). */
  etag(key: string): string {
    return this.s3Objects.etag(key);
  }

  object(key: string): string | undefined {
    return this.s3Objects.object(key);
  }

  /**
   * The pools' token endpoint (`POST …/oauth2/token`, client_credentials with HTTP Basic), as a `fetch`
   * the Cognito store's secret test can be given: answers as Cognito documents, counted in `calls`.
   */
  readonly tokenEndpointFetch: typeof fetch = async (_url, init) => {
    this.calls.push('OAuth2Token');
    const [id = '', secret = ''] = Buffer.from(
      new Headers(init?.headers).get('authorization')?.replace(/^Basic /, '') ?? '',
      'base64',
    )
      .toString()
      .split(':')
      .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
    const form = new URLSearchParams(String(init?.body ?? ''));
    if (form.get('grant_type') !== 'client_credentials')
      return Response.json({ error: 'unsupported_grant_type' }, { status: 400 });
    const answer = this.cognitoPools.issueToken(id, secret, form.get('scope') ?? undefined);
    return 'error' in answer
      ? Response.json({ error: answer.error }, { status: answer.status })
      : Response.json(answer);
  };

  addUser(userName: string, tags: Record<string, string>, path = '/mint/', boundary?: string): FakeUser {
    return this.iamUsers.add(userName, tags, path, boundary);
  }

  /** Serves operations on one stub, each call counted, then subject to kills, authorization and injected failures. */
  private on(stub: AwsClientStub<never>): Register {
    const service = this.serviceOf(stub);
    return (command: new (input: never) => unknown, name: string, fn: Operation) => {
      // biome-ignore lint/suspicious/noExplicitAny: aws-sdk-client-mock's command typing is per client; this helper serves all five.
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
        // Then the call travels and meets AWS's rate limits, before AWS looks at what it asks.
        if (this.throttling) await this.throttling.admit(service, name, input);
        if (this.options.authorize) {
          await this.options.authorize({ service, operation: name, input }, this);
        }
        const index = this.injected.findIndex((i) => i.command === name && (!i.when || i.when(input)));
        if (index >= 0) {
          const [injected] = this.injected.splice(index, 1);
          throw injected?.error;
        }
        if (!this.throttling) return fn(input, () => client);
        const answer = await fn(input, () => client);
        // IAM's answer to CreateAccessKey starts the key's propagation to STS.
        const created = (answer as { AccessKey?: { AccessKeyId?: string } } | undefined)?.AccessKey;
        if (name === 'CreateAccessKey' && created?.AccessKeyId)
          this.throttling.keyCreated(created.AccessKeyId);
        return answer;
      });
    };
  }

  private serviceOf(stub: AwsClientStub<never>): Service {
    const services: [unknown, Service][] = [
      [this.iam, 'iam'],
      [this.s3, 's3'],
      [this.sts, 'sts'],
      [this.sfn, 'sfn'],
      [this.secrets, 'secretsmanager'],
      [this.cognito, 'cognito-idp'],
    ];
    const found = services.find(([candidate]) => candidate === stub);
    if (!found) throw new Error('a stub FakeAws does not know');
    return found[1];
  }

  private install(): void {
    const iam = this.on(this.iam as unknown as AwsClientStub<never>);
    this.iamUsers.register(iam);
    registerAttachments(iam, this.iamUsers);
    registerCredentials(iam, this.iamUsers, this.secretsIssued);
    this.s3Objects.register(this.on(this.s3 as unknown as AwsClientStub<never>));
    this.cognitoPools.register(this.on(this.cognito as unknown as AwsClientStub<never>));

    // STS authenticates the key the client signs with: it works while IAM has that key and secret.
    this.on(this.sts as unknown as AwsClientStub<never>)(
      GetCallerIdentityCommand,
      'GetCallerIdentity',
      async (_input, client) => {
        const { accessKeyId, secretAccessKey } = await client().config.credentials();
        const owner = [...this.users.values()].find((u) =>
          u.keys.some((k) => k.id === accessKeyId && k.secret === secretAccessKey),
        );
        if (!owner)
          throw awsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
        this.throttling?.checkKeyPropagated(accessKeyId);
        return { Arn: owner.arn, Account: this.account, UserId: 'AIDAFAKE' };
      },
    );
    this.on(this.secrets as unknown as AwsClientStub<never>)(
      GetSecretValueCommand,
      'GetSecretValue',
      (input) => {
        const value = this.secretValues.get(String(input.SecretId));
        if (value === undefined)
          throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return { SecretString: value };
      },
    );
    this.on(this.sfn as unknown as AwsClientStub<never>)(ListExecutionsCommand, 'ListExecutions', (input) => {
      const matching = this.running
        .filter((e) => !e.stateMachineArn || e.stateMachineArn === input.stateMachineArn)
        .filter((e) => !input.statusFilter || (e.status ?? 'RUNNING') === input.statusFilter)
        .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
      const from = Number(input.nextToken ?? 0);
      const size = Math.min(this.executionsPageSize, Number(input.maxResults ?? 1000));
      const page = matching.slice(from, from + size);
      return {
        executions: page.map(({ executionArn, startDate }) => ({ executionArn, startDate })),
        ...(from + size < matching.length ? { nextToken: String(from + size) } : {}),
      };
    });
  }
}
