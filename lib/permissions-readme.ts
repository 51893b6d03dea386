import { KEY_PATTERNS } from '../lambdas/contracts/keys';
import { operatorPolicy } from '../lambdas/core/access-policies';
import { TAG } from '../lambdas/core/service-users';
import {
  type Condition,
  FUNCTION_GRANTS,
  type Grant,
  type IdentityStore,
  type MintFunction,
  type Target,
  touchesUsers,
} from './permissions';
import { USER_GUARDS } from './user-guards';

export function describeTarget(on: Target): string {
  if (typeof on === 'object') return on.objects.map((p) => `\`<bucket>/${KEY_PATTERNS[p]}\``).join(', ');
  return {
    bucket: 'the bucket',
    bucketKey: "the bucket's key, through S3 only",
    serviceUsers: "users directly under Mint's path",
    account: '`*` (no resource-level permissions)',
    stateMachine: "Mint's state machine",
    kioTokenSecret: "the Kio token's secret",
    userPool: "the service users' user pool",
    serviceUserGroup: 'the group `mint:serviceUserGroup`',
  }[on];
}

const CONDITION_TEXT: Record<Condition | 'changesAppId', string> = {
  managedUser: `tagged \`${TAG.appId}\``,
  newUser: `not yet tagged \`${TAG.appId}\``,
  withBoundary: "with Mint's boundary",
  tagsNewUserAsApp: `tagging it \`${TAG.appId}\``,
  appPrefixes: 'listing only app credentials or staged rotations',
  changesAppId: `changing \`${TAG.appId}\``,
};

const STORE_TEXT: Record<IdentityStore, string> = {
  iam: '`mint:identityStore` is `iam`',
  cognito: '`mint:identityStore` is `cognito`',
};

const ONLY_IF_TEXT: Record<NonNullable<Grant['onlyIf']>, string> = {
  kioToken: 'mint:kioTokenSecretName is set',
  serviceUserGroup: '`mint:serviceUserGroup` is set',
};

const FUNCTION_TITLES: Record<MintFunction, string> = {
  startCycle: 'StartCycle',
  listApps: 'ListApps',
  reconcile: 'ReconcileServiceUsers',
  rotateBatch: 'RotateBatch (and RetryBatch)',
  report: 'Report (and RecordRetry)',
};

/** The README's per-function permission tables, rendered from the grants themselves. */
export function renderPermissionsMarkdown(): string {
  const lines: string[] = [];
  for (const fn of Object.keys(FUNCTION_GRANTS) as MintFunction[]) {
    lines.push(
      `**${FUNCTION_TITLES[fn]}**`,
      '',
      '| may | on | only when | why |',
      '| --- | --- | --- | --- |',
    );
    for (const g of FUNCTION_GRANTS[fn]) {
      const when = [
        ...(g.store ? [STORE_TEXT[g.store]] : []),
        ...(g.when ?? []).map((c) => CONDITION_TEXT[c]),
        ...(g.onlyIf ? [ONLY_IF_TEXT[g.onlyIf]] : []),
      ];
      lines.push(
        `| ${g.actions.map((a) => `\`${a}\``).join(', ')} | ${describeTarget(g.on)} | ${when.join('; ') || '—'} | ${g.why} |`,
      );
    }
    if (touchesUsers(fn)) {
      for (const guard of USER_GUARDS) {
        const on =
          guard.on === 'nestedUsers' ? "users in paths nested under Mint's" : describeTarget(guard.on);
        const when = [STORE_TEXT.iam, ...(guard.when ?? []).map((c) => CONDITION_TEXT[c])].join('; ');
        lines.push(
          `| **never** ${guard.actions.map((a) => `\`${a}\``).join(', ')} | ${on} | ${when} | ${guard.why} |`,
        );
      }
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

/** The operator's identity policy as the README prints it, with placeholders for the deployed names. */
export function renderOperatorPolicy(): string {
  return JSON.stringify(
    operatorPolicy({
      stateMachineArn: '<StateMachineArn output>',
      bucketArn: 'arn:aws:s3:::<BucketName output>',
      keyArn: '<KeyArn output>',
      region: '<region>',
      stackName: 'Mint',
      accountId: '<account>',
    }),
    null,
    2,
  ).replace(':execution:*', ':execution:<state machine name>:*');
}
