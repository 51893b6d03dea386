import type { SdkCall, Service } from './sdk-permissions';

/**
 * The SDK calls an aws-sdk-client-mock stub received, as the authorization table reads them: what a
 * test of the CLI or the agent made, to be evaluated as the operator or the owner would make them.
 */
export function recordedCalls(service: Service, stub: { calls(): { args: unknown[] }[] }): SdkCall[] {
  return stub.calls().map((call) => {
    const command = call.args[0] as unknown as {
      constructor: { name: string };
      input: Record<string, unknown>;
    };
    return { service, operation: command.constructor.name.replace(/Command$/, ''), input: command.input };
  });
}
