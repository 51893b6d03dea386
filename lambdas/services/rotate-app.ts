import type { CredentialHolder, IdentityStore, NewClientSecret } from '../adapters/identity-store';
import type { BucketStore } from '../adapters/object-store';
import { cycleKeys, PUBLISHED_KEY_ID_METADATA } from '../contracts/keys';
import type { AppOutcome } from '../contracts/steps';
import {
  type CredentialsDocument,
  credentialsDocumentSchema,
  credentialsKey,
  serializeCredentials,
} from '../core/credentials';
import { type DueApp, dueWork, type RotationPolicy } from '../core/due';
import { describeError } from '../core/errors';
import { READERS_TAG } from '../core/owners';
import type { PasswordPolicy } from '../core/password';
import {
  LEASE_MS,
  type PendingRotation,
  planRotation,
  type StageLease,
  stagedKeyId,
} from '../core/rotation-plan';
import { failureTags, readMarks, TAG } from '../core/service-users';
import { takeLease } from './rotation-lease';

export interface RotationPorts {
  identity: IdentityStore;
  bucket: BucketStore;
  /** Proves a new client secret works before anything is published (IAM: STS; Cognito: a token). */
  testClientSecret(secret: NewClientSecret, app: DueApp): Promise<void>;
  /**
   * Proves the user signs in with the published password and secret, once the password is set (Cognito:
   * the user-password flow with the secret's hash). IAM offers no API that checks a console password.
   */
  testSignIn(document: CredentialsDocument, app: DueApp): Promise<void>;
  generatePassword(policy: PasswordPolicy): string;
  now(): Date;
}

export interface RotationOptions {
  policy: RotationPolicy;
  force: boolean;
  revokePrevious: boolean;
  /** The execution rotating: it holds each app's lease while it works on the app. */
  executionArn: string;
  cycleId: string;
  /** When the cycle began: a credentials file published later was published by someone else. */
  cycleStartedAt: string;
}

/** Attempts at publishing within one invocation: the password is already set in the identity store by then. */
const PUBLISH_ATTEMPTS = 3;

function parsePublished(text: string | undefined): CredentialsDocument | undefined {
  if (text === undefined) return undefined;
  try {
    const result = credentialsDocumentSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
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

/** Retries the publish a few times in this invocation: the password in the identity store has already changed. */
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
  let step = 'lease';
  const outcome: AppOutcome = { appId: app.appId, status: 'unchanged' };
  const stageKey = cycleKeys.pending(app.appId);
  const now = ports.now();
  const leaseBody: StageLease = {
    cycle: options.cycleId,
    executionArn: options.executionArn,
    at: now.toISOString(),
  };
  let lease: { etag: string; staged?: PendingRotation };
  try {
    const taken = await takeLease(ports, app, leaseBody, now);
    if ('busy' in taken) return { ...outcome, busy: taken.busy };
    lease = taken;
  } catch (error) {
    return { ...outcome, status: 'failed', step, error: describeError(error) };
  }
  // What the stage holds; written back without the lease if this attempt fails, so the retry pass or
  // the next cycle takes over at once (only a killed process leaves a lease to expire).
  let staged = lease.staged;
  const holder: CredentialHolder = {
    userName: app.userName,
    ...(app.clientId ? { clientId: app.clientId } : {}),
  };
  try {
    step = 'read-state';
    // Read while holding the lease: nobody else changes them now.
    const [keyIds, publishedObject] = await Promise.all([
      ports.identity.listClientSecrets(holder),
      ports.bucket.getTextWithEtag(credentialsKey(app.appId)),
    ]);
    const published = parsePublished(publishedObject?.text);
    // Which secret is published: the document names it (IAM), or the metadata written with that very
    // version does (Cognito). Deleting the live one would cut the app off, so without either the mark is
    // read again under the lease, never taken from the cycle's listing.
    const namedKeyId =
      published &&
      (ports.identity.keyIdOf(published) ?? publishedObject?.metadata?.[PUBLISHED_KEY_ID_METADATA]);
    // The tags come from the cycle's listing. A rotation that published less than a lease before this
    // cycle began may have recorded its marks after that listing (it holds the lease until it has):
    // then they are stale, and a previous key taken for an orphan would be deleted in its grace period.
    const publishedSince =
      publishedObject?.lastModified !== undefined &&
      publishedObject.lastModified.getTime() > new Date(options.cycleStartedAt).getTime() - LEASE_MS;
    const unnamed = published !== undefined && !namedKeyId;
    const tags = publishedSince || unnamed ? await ports.identity.userTags(app.userName) : app.tags;
    const marks = readMarks(tags);
    const work = dueWork(marks, options.policy, now, options);
    const publishedKeyId = published && (namedKeyId || tags[TAG.keyId]);
    const plan = planRotation({
      keyIds,
      publishedKeyId: publishedKeyId || undefined,
      keepsOneSecret: ports.identity.keepsOneSecret,
      // Published for this very client, yet no mark says with which secret.
      publishedUnidentified:
        published !== undefined &&
        !publishedKeyId &&
        published.client_id === (app.clientId ?? published.client_id),
      previousKeyId: marks.previousKeyId,
      pending: lease.staged,
      work,
      revokePrevious: options.revokePrevious,
    });

    step = 'delete-orphan-keys';
    for (const id of plan.deleteOrphans) await ports.identity.deleteClientSecret(holder, id);
    if (plan.deleteOrphans.length > 0) outcome.orphanKeysDeleted = plan.deleteOrphans;
    if (plan.kind === 'blocked') {
      step = 'release';
      await ports.bucket.delete(stageKey);
      return { ...outcome, status: 'failed', step: 'plan', error: plan.reason };
    }
    // A stage whose key is gone is useless: what the plan does next replaces it.
    if (plan.discardPending) staged = undefined;

    let pending = plan.resume;
    outcome.resumed = pending !== undefined;
    if (!pending && (plan.newPassword || plan.newKey)) {
      if (plan.retireBeforeCreate) {
        step = 'retire-previous-key';
        await ports.identity.deleteClientSecret(holder, plan.retireBeforeCreate);
      }
      step = 'generate';
      const password = plan.newPassword
        ? ports.generatePassword(await ports.identity.passwordPolicy())
        : (published?.application_password ?? '');
      step = 'create-access-key';
      const key: NewClientSecret = plan.newKey
        ? await ports.identity.addClientSecret(holder)
        : {
            keyId: publishedKeyId ?? '',
            clientId: published?.client_id ?? '',
            clientSecret: published?.client_secret ?? '',
          };
      pending = {
        document: {
          application_username: app.userName,
          application_password: password,
          client_id: key.clientId,
          client_secret: key.clientSecret,
        },
        ...(key.keyId !== key.clientId ? { keyId: key.keyId } : {}),
        newPassword: plan.newPassword,
        newKey: plan.newKey,
        previousKeyId: plan.nextPreviousKeyId,
        revokeAfterPublish: plan.retireAfterPublish,
        stagedAt: now.toISOString(),
      };
      step = 'stage';
      const etag = await ports.bucket.putJsonIf(
        stageKey,
        { lease: leaseBody, rotation: pending },
        { ifMatch: lease.etag },
      );
      if (etag === undefined)
        throw new Error(`lost the lease on ${stageKey} before staging; another execution took it`);
      lease = { etag, staged: pending };
      staged = pending;
    }

    if (pending) {
      const { document } = pending;
      // The key first: a key that does not work must not cost the app its published password.
      const keyId = stagedKeyId(pending);
      if (pending.newKey) {
        step = 'test-access-key';
        await ports.testClientSecret(
          { keyId, clientId: document.client_id, clientSecret: document.client_secret },
          app,
        );
      }
      if (pending.newPassword) {
        step = 'set-password';
        await ports.identity.setPassword(app.userName, document.application_password, {
          firstTime: marks.passwordRotatedAt === undefined,
        });
      }
      step = 'test-sign-in';
      await ports.testSignIn(document, app);
      step = 'publish';
      // The new version carries the app's reader accounts: without the tag, nobody outside could read it.
      outcome.credentialsVersionId = await publishWithRetries(() =>
        ports.bucket.putText(
          credentialsKey(app.appId),
          serializeCredentials(document),
          { [READERS_TAG]: app.tags[READERS_TAG] ?? '' },
          ports.identity.keyIdOf(document) === undefined ? { [PUBLISHED_KEY_ID_METADATA]: keyId } : undefined,
        ),
      );
      outcome.status = 'rotated';
      outcome.passwordChanged = pending.newPassword;
      if (pending.newKey) outcome.newAccessKeyId = keyId;
    }

    const retire = plan.retireAfterPublish;
    step = 'retire-previous-key';
    for (const id of retire) await ports.identity.deleteClientSecret(holder, id);
    // A secret nobody could use (a new client's first one) is reported as an orphan, not as retired.
    const orphaned = retire.filter((id) => id === plan.keptOrphan);
    const retired = retire.filter((id) => id !== plan.keptOrphan);
    if (orphaned.length > 0) outcome.orphanKeysDeleted = [...(outcome.orphanKeysDeleted ?? []), ...orphaned];
    if (retired.length > 0) {
      outcome.retiredKeyIds = retired;
      if (outcome.status === 'unchanged') outcome.status = 'retired';
    }

    step = 'record';
    const stamp = ports.now().toISOString();
    const record: Record<string, string> = {};
    // Clearing a mark the user does not carry would be a write for nothing.
    if (plan.nextPreviousKeyId || tags[TAG.previousKeyId]) record[TAG.previousKeyId] = plan.nextPreviousKeyId;
    if (pending?.newPassword) record[TAG.passwordRotatedAt] = stamp;
    if (pending?.newKey) record[TAG.keyRotatedAt] = stamp;
    // Which secret is published, for a store whose documents do not say (IAM's name their key).
    if (pending && ports.identity.keyIdOf(pending.document) === undefined)
      record[TAG.keyId] = stagedKeyId(pending);
    // Earlier versions marked a rotation in progress on the user; the stage says it now.
    if (marks.rotationStartedAt) record[TAG.rotationStartedAt] = '';
    if (marks.consecutiveFailures > 0) record[TAG.failures] = '0';
    if (pending || retire.length > 0 || marks.rotationStartedAt || marks.consecutiveFailures > 0)
      await ports.identity.tagUser(app.userName, record);
    step = 'clear-stage';
    await ports.bucket.delete(stageKey);
    return outcome;
  } catch (error) {
    await releaseLease(ports, stageKey, lease.etag, staged);
    return { ...outcome, status: 'failed', step, error: describeError(error) };
  }
}

/** Gives the lease up after a failed attempt, keeping a staged rotation for whoever takes over. */
async function releaseLease(
  ports: RotationPorts,
  key: string,
  etag: string,
  staged: PendingRotation | undefined,
): Promise<void> {
  try {
    await ports.bucket.putJsonIf(key, staged ? { rotation: staged } : {}, { ifMatch: etag });
  } catch {
    // The store that just failed may refuse this too: the lease then expires on its own.
  }
}
