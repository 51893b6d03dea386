/**
 * Published list prices used for the monthly estimate (us-east-1, checked 2026-11; other regions
 * differ). Printed with every result so nobody mistakes the estimate for a bill.
 */
export const PRICES = {
  stateTransitionUsd: 0.025 / 1000,
  lambdaArmGbSecondUsd: 0.0000133334,
  lambdaRequestUsd: 0.2 / 1_000_000,
  s3PutUsd: 0.005 / 1000,
  s3GetUsd: 0.0004 / 1000,
} as const;

export const PRICE_NOTES = [
  'Step Functions Standard $0.025 per 1,000 state transitions',
  'Lambda Arm $0.0000133334 per GB-second, $0.20 per 1M requests',
  'S3 Standard $0.005 per 1,000 PUT/COPY/POST/LIST/DELETE-class requests, $0.0004 per 1,000 GET',
  'not included: free tiers, KMS requests (bucket key on), CloudWatch Logs ingestion, IAM and STS (no charge), data transfer',
];

const S3_WRITES = new Set([
  'PutObject',
  'DeleteObject',
  'DeleteObjects',
  'ListObjectVersions',
  'ListObjectsV2',
]);
const S3_READS = new Set(['GetObject', 'HeadObject']);

/** What one cycle uses that is billed. */
export interface CycleUsage {
  transitions: number;
  lambdaGbSeconds: number;
  lambdaInvocations: number;
  calls: Record<string, number>;
}

export function cycleCostUsd(usage: CycleUsage): number {
  let s3 = 0;
  for (const [operation, count] of Object.entries(usage.calls)) {
    if (S3_WRITES.has(operation)) s3 += count * PRICES.s3PutUsd;
    else if (S3_READS.has(operation)) s3 += count * PRICES.s3GetUsd;
  }
  return (
    usage.transitions * PRICES.stateTransitionUsd +
    usage.lambdaGbSeconds * PRICES.lambdaArmGbSecondUsd +
    usage.lambdaInvocations * PRICES.lambdaRequestUsd +
    s3
  );
}

/**
 * A month at the default schedule: every cycle costs at least an idle cycle, and on top each app
 * rotates its password once per interval (the cost of a due app, measured as the 10 %-due cycle's
 * excess over the idle one).
 */
export function monthlyCostUsd(input: {
  cyclesPerMonth: number;
  idleCycleUsd: number;
  perRotatedAppUsd: number;
  apps: number;
  rotationsPerAppPerMonth: number;
}): number {
  return (
    input.cyclesPerMonth * input.idleCycleUsd +
    input.apps * input.rotationsPerAppPerMonth * input.perRotatedAppUsd
  );
}
