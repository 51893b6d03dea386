import * as z from 'zod';

/**
 * IAM's users-per-account quota: 5,000 by default. At the quota every CreateUser fails with
 * LimitExceeded, cycle after cycle, so Mint warns well before: at 90 %.
 */
export const IAM_USERS_QUOTA = 5000;
/**
 * Cognito's app clients per user pool: 1,000 by default, adjustable to 10,000 (Cognito quotas page).
 * With the Cognito store each app has one client, so this is the number of apps one pool can hold.
 */
export const COGNITO_APP_CLIENTS_QUOTA = 1000;
export const USER_QUOTA_WARNING = 0.9;

export const userQuotaSchema = z.object({
  /** Users in the whole account (every path), not only Mint's. */
  users: z.number().int().nonnegative(),
  quota: z.number().int().positive(),
  percent: z.number().nonnegative(),
  state: z.enum(['ok', 'warning', 'full']),
  /** The quota, when it is not IAM's users per account (the Cognito store counts app clients). */
  resource: z.literal('app clients per user pool').optional(),
});
export type UserQuota = z.infer<typeof userQuotaSchema>;

export function userQuota(users: number, quota: number, resource?: UserQuota['resource']): UserQuota {
  const percent = Math.floor((users / quota) * 1000) / 10;
  const state = users >= quota ? 'full' : users >= Math.ceil(quota * USER_QUOTA_WARNING) ? 'warning' : 'ok';
  return { users, quota, percent, state, ...(resource ? { resource } : {}) };
}

/**
 * Whether the account's real quota is worth a call (iam:GetAccountSummary): only when the users counted
 * come near the default quota. The quota can only be raised, so below 90 % of 5,000 the answer could not
 * change the verdict, and the idle cycle keeps its call count.
 */
export function quotaNeedsLooking(accountUsers: number): boolean {
  return accountUsers >= Math.ceil(IAM_USERS_QUOTA * USER_QUOTA_WARNING);
}

const n = (value: number) => value.toLocaleString('en-US');

/** The quota by name, as the README and AWS's quota page call it. */
export function quotaName(quota: Pick<UserQuota, 'quota' | 'resource'>): string {
  return quota.resource
    ? `Cognito app clients per user pool (${n(quota.quota)}, mint:cognitoAppClientsQuota)`
    : `IAM users per account (${n(quota.quota)})`;
}

function whatToDo(quota: Pick<UserQuota, 'resource'>): string {
  return quota.resource
    ? 'Request a quota increase (Service Quotas, Amazon Cognito User Pools, "App clients per user pool", up to 10,000) and set mint:cognitoAppClientsQuota to it, or split the apps over two Mint stacks with a pool each.'
    : 'Remove unused IAM users in this account, or request a quota increase (Service Quotas, IAM, "Users per account").';
}

/** A line for logs, `mint status` and `mint plan`; undefined while the account is well below the quota. */
export function describeUserQuota(quota: UserQuota): string | undefined {
  if (quota.state === 'ok') return undefined;
  const what = quota.resource ? 'app clients' : 'users';
  const usage = `${n(quota.users)} of ${n(quota.quota)} ${what} (${quota.percent} %)`;
  const store = quota.resource ? 'Cognito' : 'IAM';
  return quota.state === 'full'
    ? `${quotaName(quota)} reached: ${usage}; ${store} refuses every new app's ${quota.resource ? 'client' : 'user'}. ${whatToDo(quota)}`
    : `${quotaName(quota)} nearly reached: ${usage}; at the quota new apps get no ${quota.resource ? 'client' : 'user'}. ${whatToDo(quota)}`;
}

/** Why CreateUser failed with LimitExceeded, naming the quota and what to do. */
export function quotaReachedMessage(quota: UserQuota, upstream: string): string {
  const store = quota.resource ? 'Cognito' : 'IAM';
  return `${quotaName(quota)} reached (${store}: LimitExceeded: ${upstream}). ${whatToDo(quota)}`;
}
