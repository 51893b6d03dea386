import { refusal } from '../../lambdas/adapters/in-memory/refusal';
/** What each service's module needs to serve its operations inside FakeAws. */

/**
 * An error shaped like the SDK's service exceptions (name = AWS error code); with an HTTP status, also
 * `$metadata.httpStatusCode` and `$fault` as the SDK sets them (what its retry classification reads).
 */
export function awsError(name: string, message = name, httpStatusCode?: number): Error {
  const error = refusal(name, message);
  if (httpStatusCode !== undefined)
    Object.assign(error, {
      $metadata: { httpStatusCode },
      $fault: httpStatusCode >= 500 ? 'server' : 'client',
    });
  return error;
}

/** The client that sent a call: STS authenticates the key it signs with. */
export interface SigningClient {
  config: { credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string }> };
}

export type Operation = (input: Record<string, unknown>, client: () => SigningClient) => unknown;

/**
 * Serves one SDK command on the service's stub. FakeAws wraps every operation registered this way with
 * what all of them share: the call count, kills, the authorize hook and injected failures.
 */
export type Register = (command: new (input: never) => unknown, name: string, operation: Operation) => void;
