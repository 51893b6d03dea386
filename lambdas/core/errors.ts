import { isRecord } from './guards';

/**
 * Errors whose `name` the workflow definition matches in Retry/Catch. Step Functions sees a Lambda
 * error as `errorType` = the thrown error's name, so these names are part of the workflow contract.
 * Messages never carry secret values: they name the app, the step and the upstream error code.
 */
export class MintError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Kio answered with something Mint must not act on; the cycle stops before anything is deleted. */
export class KioUnusableError extends MintError {
  constructor(message: string) {
    super('Mint.KioUnusable', message);
  }
}

/** Input to a manual run or a configuration value is invalid; retrying will not help. */
export class InvalidInputError extends MintError {
  constructor(message: string) {
    super('Mint.InvalidInput', message);
  }
}

/** One or more apps of a batch could not be served; thrown only when the caller asked to fail on it. */
export class AppsFailedError extends MintError {
  constructor(message: string) {
    super('Mint.AppsFailed', message);
  }
}

/** Another cycle holds the lease; the caller may retry later. */
export class CycleBusyError extends MintError {
  constructor(message: string) {
    super('Mint.CycleBusy', message);
  }
}

/** The identity store refused to delete a service user for a reason Mint may not remove itself. */
export class UserNotDeletedError extends MintError {
  constructor(message: string) {
    super('Mint.UserNotDeleted', message);
  }
}

/** IAM refused a new user: the account is at its users-per-account quota. */
export class UserQuotaReachedError extends MintError {
  constructor(message: string) {
    super('Mint.UserQuotaReached', message);
  }
}

/** Short, secret-free description of any thrown value, for reports and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    // Some SDK errors (S3's, parsed from XML) also carry their code as `Code`.
    const code = isRecord(error) && typeof error.Code === 'string' ? error.Code : undefined;
    const name = code ?? error.name;
    return name && !error.message.startsWith(name) ? `${name}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Service users or access grants could not be reconciled, even on the retry: redrive retries them. */
export class ServiceUsersNotReconciledError extends MintError {
  constructor(message: string) {
    super('Mint.ServiceUsersNotReconciled', message);
  }
}
