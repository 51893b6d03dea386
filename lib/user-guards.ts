import { TAG } from '../lambdas/core/service-users';

/**
 * Explicit denies on every function that may touch IAM users: what no Allow, present or future, can
 * undo. IAM ARNs cannot say "directly under /mint/" (`user/mint/*` also matches `/mint/ops/admin`), so
 * nested paths are denied; and the tag that decides which app a user serves is set once, at creation.
 */
export interface Guard {
  sid: string;
  actions: readonly string[];
  on: 'nestedUsers' | 'serviceUsers';
  when?: readonly ('changesAppId' | 'managedUser')[];
  why: string;
}

/** Functions that may touch IAM users carry these denies. */
export const USER_GUARDS: readonly Guard[] = [
  {
    sid: 'NoUsersOutsideMintsPath',
    actions: ['iam:*'],
    on: 'nestedUsers',
    why: 'user/<path>* also matches nested paths (/mint/ops/admin) that Mint never manages',
  },
  {
    sid: 'AppIdTagIsSetOnlyAtCreation',
    actions: ['iam:TagUser', 'iam:UntagUser'],
    on: 'serviceUsers',
    when: ['changesAppId', 'managedUser'],
    why: `${TAG.appId} decides which app a user serves: no function may change or remove it`,
  },
];
