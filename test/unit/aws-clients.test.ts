import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { clientConfig } from '../../lambdas/adapters/aws-clients';

describe('clientConfig', () => {
  let server: Server;
  let endpoint: string;
  let received = 0;
  beforeAll(async () => {
    // Accepts every request and never answers: a hung AWS endpoint.
    server = createServer(() => {
      received++;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it('abandons a call that does not answer and retries it, instead of waiting for ever', async () => {
    const iam = new IAMClient({
      ...clientConfig({ MINT_AWS_TIMEOUT_MS: '200', MINT_AWS_MAX_ATTEMPTS: '2' }),
      endpoint,
      region: 'us-east-1',
    });
    await expect(iam.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(received).toBe(2);
    iam.destroy();
  });

  it('rejects a bad setting, naming the variable', () => {
    expect(() => clientConfig({ MINT_AWS_TIMEOUT_MS: 'soon' })).toThrow(/MINT_AWS_TIMEOUT_MS/);
    expect(() => clientConfig({ MINT_AWS_MAX_ATTEMPTS: '0' })).toThrow(/MINT_AWS_MAX_ATTEMPTS/);
  });

  it('defaults to 8 attempts and a 10 s timeout', () => {
    expect(clientConfig({})).toMatchObject({
      maxAttempts: 8,
      requestHandler: { requestTimeout: 10_000, throwOnRequestTimeout: true },
    });
  });
});
