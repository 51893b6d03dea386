import type { BucketStore } from '../adapters/bucket-store';
import type { IdentityStore, NewAccessKey } from '../adapters/identity-store';
import {
  type CredentialsDocument,
  credentialsDocumentSchema,
  credentialsKey,
  serializeCredentials,
} from '../core/credentials';
import { cycleKeys } from '../core/cycle';
import { type DueApp, dueWork, type RotationPolicy } from '../core/due';
import { describeError } from '../core/errors';
import { READERS_TAG } from '../core/owners';
import type { PasswordPolicy } from '../core/password';
import {
  decideLease,
  type PendingRotation,
  parseStage,
  planRotation,
  type Stage,
} from '../core/rotation-plan';
import { failureTags, readMarks, TAG } from '../core/service-users';

export interface RotationPorts {
  identity: IdentityStore;
  bucket: BucketStore;
  testAccessKey(key: NewAccessKey, expectedArn: string): Promise<void>;
  generatePassword(policy: PasswordPolicy): string;
  now(): Date;
  /** Whether the execution that holds an app's lease is still running (Step Functions' word for it). */
  executionRunning(executionArn: string): Promise<boolean>;
}

export interface RotationOptions {
  policy: RotationPolicy;
  force: boolean;
  revokePrevious: boolean;
  /** The execution rotating: it holds each app's lease while it works on the app. */
  executionArn: string;
  cycleId: string;
}

/** Attempts at publishing within one invocation: the password is already set in IAM by then. */
const PUBLISH_ATTEMPTS = 3;

/** What happened to one app: references only (key ids and object versions are not secrets). */
export interface AppOutcome {
  appId: string;
  status: 'rotated' | 'retired' | 'unchanged' | 'failed';
  passwordChanged?: boolean;
  newAccessKeyId?: string;
  retiredKeyIds?: string[];
  orphanKeysDeleted?: string[];
  credentialsVersionId?: string;
  resumed?: boolean;
  /** On failure: the step that failed and the upstream error, without secret values. */
  step?: string;
  error?: string;
  /** Set when the failure could not be counted on the user (why): its failure count is then behind. */
  failureNotCounted?: string;
  /** Another execution holds the app's lease: left alone this time, nothing changed. */
  busy?: string;
}

function parsePublished(text: string | undefined): CredentialsDocument | undefined {
  if (text === undefined) return undefined;
  try {
    const result = credentialsDocumentSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a stage without ever quoting it: it holds secrets. */
function readStage(text: string): Stage {
  try {
    return parseStage(JSON.parse(text));
  } catch {
    return {};
  }
}

/**
 * Rotates one app (see `attemptRotation`) and, when the attempt fails, counts the failure on the user,
 * where the next cycle's status document and due-ness read it. Counting is best effort: the outcome
 * already carries the failure, and a store that just failed may refuse the tag too.
 */
export async function rotateApp(
  ports: RotationPorts,
  app: DueApp,
  options: RotationOptions,
): Promise<AppOutcome> {
  const outcome = await attemptRotation(ports, app, options);
  if (outcome.status !== 'failed') return outcome;
  const failure = { at: ports.now().toISOString(), step: outcome.step ?? '?', error: outcome.error ?? '' };
  try {
    await ports.identity.tagUser(app.userName, failureTags(readMarks(app.tags), failure));
  } catch (error) {
    return { ...outcome, failureNotCounted: describeError(error) };
  }
  return outcome;
}

/**
 * Takes the app's lease: `_mint/pending/<app-id>.json`, created only if absent (S3's If-None-Match), so
 * of two executions exactly one rotates the app. A stage left by a crash, a failure or an ended
 * execution is taken over with If-Match (again exactly one wins) and returned; a stage another running
 * execution holds means the app is busy.
 */
async function takeLease(
  ports: RotationPorts,
  app: DueApp,
  options: RotationOptions,
  now: Date,
): Promise<{ staged?: PendingRotation } | { busy: string }> {
  const key = cycleKeys.pending(app.appId);
  const lease = { cycle: options.cycleId, executionArn: options.executionArn, at: now.toISOString() };
  if ((await ports.bucket.putJsonIf(key, { lease }, { ifAbsent: true })) !== undefined) return {};
  const existing = await ports.bucket.getTextWithEtag(key);
  if (!existing) {
    // Deleted between the two calls: the holder finished.
    if ((await ports.bucket.putJsonIf(key, { lease }, { ifAbsent: true })) !== undefined) return {};
    return { busy: 'another execution took the lease first' };
  }
  const stage = readStage(existing.text);
  const holder = stage.lease;
  const running =
    holder && holder.executionArn !== options.executionArn
      ? await ports.executionRunning(holder.executionArn)
      : false;
  if (decideLease(stage, { executionArn: options.executionArn, now }, running) === 'busy') {
    return { busy: `cycle ${holder?.cycle} has been rotating it since ${holder?.at}` };
  }
  const taken = await ports.bucket.putJsonIf(
    key,
    { lease, ...(stage.rotation ? { rotation: stage.rotation } : {}) },
    { ifMatch: existing.etag },
  );
  if (taken === undefined) return { busy: 'another execution took the lease first' };
  return stage.rotation ? { staged: stage.rotation } : {};
}

/** Retries the publish a few times in this invocation: the password in IAM has already changed. */
async function publishWithRetries(publish: () => Promise<string | undefined>): Promise<string | undefined> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
    try {
      return await publish();
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * Rotates one app in the order of the Secrets Manager rotation protocol, holding its lease throughout:
 * take the lease → stage the complete new document under `_mint/pending/` → test the new access key →
 * set the password in IAM → publish credentials.json at once → retire what the plan says → release.
 * Keys are deleted as orphans only while holding the lease. Any attempt after a crash or failure finds
 * the stage (every cycle lists them) and finishes the same rotation, or throws a useless stage away.
 */
async function attemptRotation(
  ports: RotationPorts,
  app: DueApp,
  options: RotationOptions,
): Promise<AppOutcome> {
  let step = 'read-state';
  const outcome: AppOutcome = { appId: app.appId, status: 'unchanged' };
  const stageKey = cycleKeys.pending(app.appId);
  try {
    const now = ports.now();
    const marks = readMarks(app.tags);
    const work = dueWork(marks, options.policy, now, options);
    const [keyIds, publishedText] = await Promise.all([
      ports.identity.listAccessKeys(app.userName),
      ports.bucket.getText(credentialsKey(app.appId)),
    ]);
    step = 'lease';
    const lease = await takeLease(ports, app, options, now);
    if ('busy' in lease) return { ...outcome, busy: lease.busy };
    // Listed before the lease was ours: a key created since by a holder we took over from is not known.
    const currentKeys = lease.staged ? await ports.identity.listAccessKeys(app.userName) : keyIds;
    const published = parsePublished(publishedText);
    const plan = planRotation({
      keyIds: currentKeys,
      publishedKeyId: published?.client_id,
      previousKeyId: marks.previousKeyId,
      pending: lease.staged,
      work,
      revokePrevious: options.revokePrevious,
    });

    step = 'delete-orphan-keys';
    for (const id of plan.deleteOrphans) await ports.identity.deleteAccessKey(app.userName, id);
    if (plan.deleteOrphans.length > 0) outcome.orphanKeysDeleted = plan.deleteOrphans;
    if (plan.kind === 'blocked') {
      step = 'release';
      await ports.bucket.delete(stageKey);
      return { ...outcome, status: 'failed', step: 'plan', error: plan.reason };
    }

    let pending = plan.resume;
    outcome.resumed = pending !== undefined;
    if (!pending && (plan.newPassword || plan.newKey)) {
      if (plan.retireBeforeCreate) {
        step = 'retire-previous-key';
        await ports.identity.deleteAccessKey(app.userName, plan.retireBeforeCreate);
      }
      step = 'generate';
      const password = plan.newPassword
        ? ports.generatePassword(await ports.identity.passwordPolicy())
        : (published?.application_password ?? '');
      step = 'create-access-key';
      const key = plan.newKey
        ? await ports.identity.createAccessKey(app.userName)
        : { accessKeyId: published?.client_id ?? '', secretAccessKey: published?.client_secret ?? '' };
      pending = {
        document: {
          application_username: app.userName,
          application_password: password,
          client_id: key.accessKeyId,
          client_secret: key.secretAccessKey,
        },
        newPassword: plan.newPassword,
        newKey: plan.newKey,
        previousKeyId: plan.nextPreviousKeyId,
        revokeAfterPublish: plan.retireAfterPublish,
        stagedAt: now.toISOString(),
      };
      step = 'stage';
      await ports.bucket.putJson(stageKey, {
        lease: { cycle: options.cycleId, executionArn: options.executionArn, at: now.toISOString() },
        rotation: pending,
      });
    }

    if (pending) {
      const { document } = pending;
      // The key first: a key that does not work must not cost the app its published password.
      if (pending.newKey) {
        step = 'test-access-key';
        await ports.testAccessKey(
          { accessKeyId: document.client_id, secretAccessKey: document.client_secret },
          app.userArn,
        );
      }
      if (pending.newPassword) {
        step = 'set-password';
        await ports.identity.setPassword(app.userName, document.application_password);
      }
      step = 'publish';
      // The new version carries the app's reader accounts: without the tag, nobody outside could read it.
      outcome.credentialsVersionId = await publishWithRetries(() =>
        ports.bucket.putText(credentialsKey(app.appId), serializeCredentials(document), {
          [READERS_TAG]: app.tags[READERS_TAG] ?? '',
        }),
      );
      outcome.status = 'rotated';
      outcome.passwordChanged = pending.newPassword;
      if (pending.newKey) outcome.newAccessKeyId = document.client_id;
    }

    const retire = plan.retireAfterPublish;
    step = 'retire-previous-key';
    for (const id of retire) await ports.identity.deleteAccessKey(app.userName, id);
    if (retire.length > 0) {
      outcome.retiredKeyIds = retire;
      if (outcome.status === 'unchanged') outcome.status = 'retired';
    }

    step = 'record';
    const stamp = ports.now().toISOString();
    const tags: Record<string, string> = { [TAG.previousKeyId]: plan.nextPreviousKeyId };
    if (pending?.newPassword) tags[TAG.passwordRotatedAt] = stamp;
    if (pending?.newKey) tags[TAG.keyRotatedAt] = stamp;
    // Earlier versions marked a rotation in progress on the user; the stage says it now.
    if (marks.rotationStartedAt) tags[TAG.rotationStartedAt] = '';
    if (marks.consecutiveFailures > 0) tags[TAG.failures] = '0';
    if (pending || retire.length > 0 || marks.rotationStartedAt || marks.consecutiveFailures > 0)
      await ports.identity.tagUser(app.userName, tags);
    step = 'clear-stage';
    await ports.bucket.delete(stageKey);
    return outcome;
  } catch (error) {
    return { ...outcome, status: 'failed', step, error: describeError(error) };
  }
}
