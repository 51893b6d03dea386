import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KioStub {
  url: string;
  /** Answers GET /apps with this status, raw body and extra headers until told otherwise. */
  respond(status: number, body: string, headers?: Record<string, string>): void;
  setApps(apps: unknown[]): void;
  /** Requests to GET /apps so far. */
  requests(): number;
  close(): Promise<void>;
}

/** A stand-in for Kio's `GET /apps` (see docs/kio-api.yaml) on a free loopback port. */
export async function startKioStub(apps: unknown[] = []): Promise<KioStub> {
  let status = 200;
  let body = JSON.stringify(apps);
  let requests = 0;
  let extraHeaders: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/apps') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
      return;
    }
    requests++;
    res.writeHead(status, { 'content-type': 'application/json', ...extraHeaders }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    respond: (s, b, headers = {}) => {
      status = s;
      body = b;
      extraHeaders = headers;
    },
    setApps: (next) => {
      status = 200;
      extraHeaders = {};
      body = JSON.stringify(next);
    },
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
