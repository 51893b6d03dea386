import { operatorPolicy, policyActions } from '../lambdas/core/access-policies';

/**
 * Exit codes: scripts and on-call alike branch on them. `waitTimedOut`: a waiting command (`run --wait`,
 * `redrive --wait`, `plan`) stopped waiting at its `--timeout`; the execution itself goes on.
 */
export const EXIT = { ok: 0, failures: 1, usage: 2, waitTimedOut: 3 } as const;

/** The command line or the setup is wrong: exit 2, with what to do instead. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The requested work did not happen, though nothing is broken: exit 1. */
export class CycleSkippedError extends Error {
  override name = 'CycleSkippedError';
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'TokenRefreshRequired',
]);

const OPERATOR_ACTIONS = policyActions(
  operatorPolicy({
    stateMachineArn: 'arn:aws:states:r:a:stateMachine:m',
    bucketArn: 'arn:aws:s3:::b',
    keyArn: 'k',
    region: 'r',
    stackName: 's',
    accountId: 'a',
  }),
);

/** What went wrong, in one line, and what to do next: for errors the AWS SDK or Mint's CLI throws. */
export function explainError(error: unknown): string {
  if (error instanceof CliError || error instanceof CycleSkippedError) return error.message;
  if (!(error instanceof Error)) return String(error);
  const name = error.name;
  if (error.message === 'Region is missing') {
    return "AWS region missing: pass --region REGION (the stack's region) or set AWS_REGION, then retry.";
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return `AWS credentials missing or expired (${name}: ${error.message}). Sign in again (for example 'aws sso login') or set AWS_PROFILE, then retry.`;
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    return `access denied (${error.message}). Use a role allowed to operate Mint: ${OPERATOR_ACTIONS} on the state machine, its executions, its bucket's _mint/ prefix, its key through S3 and the stack (the README's "Permissions" has the policy).`;
  }
  if (name === 'StateMachineDoesNotExist' || name === 'NoSuchBucket') {
    return `${name}: ${error.message}. Check --state-machine-arn and --bucket (or --stack and --region): they come from the stack outputs StateMachineArn and BucketName.`;
  }
  if (name === 'ExecutionDoesNotExist') {
    return `${name}: ${error.message}. 'mint status' lists the latest executions.`;
  }
  if (name === 'ExecutionNotRedrivable' || name === 'ExecutionLimitExceeded') {
    return `${name}: ${error.message}. Start a new cycle instead: 'mint run' (it skips whatever is not due).`;
  }
  return `${name}: ${error.message}`;
}
