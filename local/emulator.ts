import { randomBytes } from 'node:crypto';
import {
  CreateUserCommand,
  DeleteUserCommand,
  DeleteUserPermissionsBoundaryCommand,
  GetUserCommand,
  IAMClient,
  PutUserPermissionsBoundaryCommand,
} from '@aws-sdk/client-iam';
import { LOCAL_REGION } from './stack';

/** The endpoint lacks an AWS feature Mint relies on: set-up stops (exit 2) before any cycle. */
export class EmulatorUnsupportedError extends Error {
  override name = 'EmulatorUnsupportedError';
}

/** The path of the throwaway probe user: outside Mint's `/mint/`, so no cycle ever sees it. */
const PROBE_PATH = '/mint-local-probe/';

/** What an error says about the endpoint in one line: a deserialization error means "not an IAM reply". */
function describeFailure(error: unknown): string {
  const e = error as Error & { $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const firstLine = String(e.message ?? error).split('\n')[0] ?? '';
  const notIam = /XML parse error|Deserialization error|<html/i.test(String(e.message));
  return `${status ? `HTTP ${status} ` : ''}${notIam ? '(not an IAM response: the emulator does not know the action)' : `${e.name}: ${firstLine}`}`;
}

/**
 * Mint creates every service user with a permissions boundary and repairs a missing one, so an endpoint
 * that drops user boundaries (plain moto 5.2: CreateUser ignores it, PutUserPermissionsBoundary is an
 * HTML 500) makes the first cycle look fine and every later one fail for every app. Found out here,
 * once, on a throwaway user: PutUserPermissionsBoundary must succeed and GetUser must show it.
 */
export async function assertUserPermissionsBoundaries(boundaryArn: string, endpoint: string): Promise<void> {
  const iam = new IAMClient({ region: process.env.AWS_REGION ?? LOCAL_REGION, maxAttempts: 1 });
  const userName = `mint-local-probe-${randomBytes(4).toString('hex')}`;
  let problem: string | undefined;
  try {
    await iam.send(new CreateUserCommand({ UserName: userName, Path: PROBE_PATH }));
    try {
      await iam.send(
        new PutUserPermissionsBoundaryCommand({ UserName: userName, PermissionsBoundary: boundaryArn }),
      );
      const user = await iam.send(new GetUserCommand({ UserName: userName }));
      if (user.User?.PermissionsBoundary?.PermissionsBoundaryArn !== boundaryArn) {
        problem = 'PutUserPermissionsBoundary succeeded but GetUser shows no boundary';
      }
    } catch (error) {
      problem = `PutUserPermissionsBoundary answered ${describeFailure(error)}`;
    } finally {
      if (!problem) await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: userName }));
      await iam.send(new DeleteUserCommand({ UserName: userName }));
    }
  } finally {
    iam.destroy();
  }
  if (problem) {
    throw new EmulatorUnsupportedError(
      `AWS_ENDPOINT_URL=${endpoint}: this emulator does not support IAM user permissions boundaries ` +
        `(${problem}). Mint gives every service user one, so every cycle after the first would fail. ` +
        'Start moto with `python3 local/moto_server.py -H 127.0.0.1 -p 5000` (moto plus user boundaries) ' +
        'and point AWS_ENDPOINT_URL at it, or unset AWS_ENDPOINT_URL and let `npm run local` start its own.',
    );
  }
}
