/**
 * Mint's CloudWatch metrics (EMF, via Powertools): one place for the names the handlers emit and the
 * alarms watch, so the two cannot drift apart.
 */
export const METRICS = {
  namespace: 'Mint',
  /** Powertools adds it as the `service` dimension of every metric. */
  service: 'mint',
  appsFailed: 'AppsFailed',
  deletionsBlocked: 'DeletionsBlocked',
  /** The account's IAM users as a percentage of its users-per-account quota; Mint warns from 90. */
  userQuotaUsed: 'IamUserQuotaUsedPercent',
} as const;
