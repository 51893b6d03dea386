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
import { type PendingRotation, planRotation } from '../core/rotation-plan';
import { failureTags, readMarks, TAG } from '../core/service-users';

export interface RotationPorts {
  identity: IdentityStore;
  bucket: BucketStore;
  testAccessKey(key: NewAccessKey, expectedArn: string): Promise<void>;
  generatePassword(policy: PasswordPolicy): string;
  now(): Date;
}

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

function parsePending(value: unknown): PendingRotation | undefined {
  const candidate = value as PendingRotation | undefined;
  return candidate && credentialsDocumentSchema.safeParse(candidate.document).success ? candidate : undefined;
}

/**
 * Rotates one app (see `attemptRotation`) and, when the attempt fails, counts the failure on the user,
 * where the next cycle's status document and due-ness read it. Counting is best effort: the outcome
 * already carries the failure, and a store that just failed may refuse the tag too.
 */
export async function rotateApp(
  ports: RotationPorts,
  app: DueApp,
  options: { policy: RotationPolicy; force: boolean; revokePrevious: boolean },
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
 * Rotates one app in the order of the Secrets Manager rotation protocol: stage the complete new
 * document under `_mint/pending/` → mark the user as mid-rotation → set the password in IAM → test
 * the new access key → publish credentials.json → retire what the plan says → clear the mark.
 * Any attempt after a crash finds the mark, reads the staged document and finishes the same rotation;
 * keys that were created but never staged are deleted as orphans.
 */
async function attemptRotation(
  ports: RotationPorts,
  app: DueApp,
  options: { policy: RotationPolicy; force: boolean; revokePrevious: boolean },
): Promise<AppOutcome> {
  let step = 'read-state';
  const outcome: AppOutcome = { appId: app.appId, status: 'unchanged' };
  try {
    const now = ports.now();
    const marks = readMarks(app.tags);
    const work = dueWork(marks, options.policy, now, options);
    const [keyIds, publishedText, pendingValue] = await Promise.all([
      ports.identity.listAccessKeys(app.userName),
      ports.bucket.getText(credentialsKey(app.appId)),
      marks.rotationStartedAt
        ? ports.bucket.getJson(cycleKeys.pending(app.appId))
        : Promise.resolve(undefined),
    ]);
    const published = parsePublished(publishedText);
    const plan = planRotation({
      keyIds,
      publishedKeyId: published?.client_id,
      previousKeyId: marks.previousKeyId,
      pending: parsePending(pendingValue),
      work,
      revokePrevious: options.revokePrevious,
    });

    step = 'delete-orphan-keys';
    for (const id of plan.deleteOrphans) await ports.identity.deleteAccessKey(app.userName, id);
    if (plan.deleteOrphans.length > 0) outcome.orphanKeysDeleted = plan.deleteOrphans;
    if (plan.kind === 'blocked') {
      return { ...outcome, status: 'failed', step: 'plan', error: plan.reason };
    }
    if (plan.discardPending) {
      step = 'discard-stale-pending';
      await ports.bucket.delete(cycleKeys.pending(app.appId));
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
      await ports.bucket.putJson(cycleKeys.pending(app.appId), pending);
      step = 'mark-rotation-started';
      await ports.identity.tagUser(app.userName, { [TAG.rotationStartedAt]: now.toISOString() });
    }

    if (pending) {
      const { document } = pending;
      if (pending.newPassword) {
        step = 'set-password';
        await ports.identity.setPassword(app.userName, document.application_password);
      }
      if (pending.newKey) {
        step = 'test-access-key';
        await ports.testAccessKey(
          { accessKeyId: document.client_id, secretAccessKey: document.client_secret },
          app.userArn,
        );
      }
      step = 'publish';
      // The new version carries the app's reader accounts: without the tag, nobody outside could read it.
      outcome.credentialsVersionId = await ports.bucket.putText(
        credentialsKey(app.appId),
        serializeCredentials(document),
        { [READERS_TAG]: app.tags[READERS_TAG] ?? '' },
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
    if (pending || marks.rotationStartedAt) tags[TAG.rotationStartedAt] = '';
    if (marks.consecutiveFailures > 0) tags[TAG.failures] = '0';
    if (pending || retire.length > 0 || marks.rotationStartedAt || marks.consecutiveFailures > 0)
      await ports.identity.tagUser(app.userName, tags);
    if (pending) {
      step = 'clear-stage';
      await ports.bucket.delete(cycleKeys.pending(app.appId));
    }
    return outcome;
  } catch (error) {
    return { ...outcome, status: 'failed', step, error: describeError(error) };
  }
}
