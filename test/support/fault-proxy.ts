import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * - `throttle`: the service refuses the call as throttled (IAM/STS `Throttling`, S3 `SlowDown`); nothing is applied.
 * - `server-error`: HTTP 500 (`ServiceFailure`, `InternalError`); nothing is applied.
 * - `timeout`: the call reaches moto and is applied, but the reply never comes back: the client times out.
 */
export type FaultKind = 'throttle' | 'server-error' | 'timeout';

/** One AWS call as the proxy sees it on the wire. */
export interface AwsCall {
  service: string;
  operation: string;
  /** IAM/STS form parameters, or for S3 the object key in `Key` (and `Conditional` for a conditional write). */
  params: Record<string, string>;
}

export interface FaultRule {
  service: string;
  operation: string;
  /** Narrows the rule to some calls, for example those for one user or one object key. */
  when?: (call: AwsCall) => boolean;
  kind: FaultKind;
  /** How many matching calls fail; unlimited when absent. */
  times?: number;
}

export interface FaultProxy {
  url: string;
  arm(rule: FaultRule): void;
  disarm(): void;
  /** Calls that were failed on purpose since the proxy started, in order (disarm keeps them). */
  injected: AwsCall[];
  close(): Promise<void>;
}

function s3Operation(method: string, key: string, query: URLSearchParams): string {
  if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
  if (method === 'GET' && query.has('versions')) return 'ListObjectVersions';
  if (!key) return `${method}Bucket`;
  return { GET: 'GetObject', PUT: 'PutObject', DELETE: 'DeleteObject', HEAD: 'HeadObject' }[method] ?? method;
}

/** Reads service and operation off a signed request: SigV4's credential scope names the service. */
export function describeCall(
  method: string,
  url: string,
  headers: IncomingMessage['headers'],
  body: string,
): AwsCall {
  const scope = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(String(headers.authorization ?? ''));
  const service = scope?.[1] ?? 'unknown';
  const parsed = new URL(url, 'http://proxy');
  if (service === 's3') {
    const [, , ...rest] = decodeURIComponent(parsed.pathname).split('/');
    const key = rest.join('/');
    // A conditional write (S3's If-None-Match / If-Match) is how Mint takes an app's lease.
    const conditional = headers['if-none-match'] ?? headers['if-match'];
    return {
      service,
      operation: s3Operation(method, key, parsed.searchParams),
      params: {
        Key: key,
        ...(parsed.searchParams.get('prefix') ? { Prefix: String(parsed.searchParams.get('prefix')) } : {}),
        ...(conditional ? { Conditional: String(conditional) } : {}),
      },
    };
  }
  const params = Object.fromEntries(new URLSearchParams(body));
  return { service, operation: params.Action ?? 'unknown', params };
}

function errorReply(call: AwsCall, kind: 'throttle' | 'server-error'): { status: number; body: string } {
  if (call.service === 's3') {
    return kind === 'throttle'
      ? {
          status: 503,
          body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        }
      : {
          status: 500,
          body: '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>',
        };
  }
  const [status, type, code, message] =
    kind === 'throttle'
      ? [400, 'Sender', 'Throttling', 'Rate exceeded']
      : [500, 'Receiver', 'ServiceFailure', 'Injected service failure'];
  return {
    status,
    body: `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
  };
}

/**
 * An HTTP proxy in front of moto that fails chosen AWS calls: the real wire protocol, so the SDK's
 * own retry and timeout handling runs exactly as it does against AWS.
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  let rules: (FaultRule & { used: number })[] = [];
  const injected: AwsCall[] = [];

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse | undefined) => {
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamResponse) => {
        if (!res) {
          upstreamResponse.resume(); // applied upstream; the reply is dropped
          return;
        }
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(res);
      },
    );
    upstreamRequest.on('error', () => res?.destroy());
    upstreamRequest.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const call = describeCall(req.method ?? 'GET', req.url ?? '/', req.headers, body.toString('utf8'));
      const rule = rules.find(
        (r) =>
          r.service === call.service &&
          r.operation === call.operation &&
          (r.when?.(call) ?? true) &&
          r.used < (r.times ?? Number.POSITIVE_INFINITY),
      );
      if (!rule) {
        forward(req, body, res);
        return;
      }
      rule.used++;
      injected.push(call);
      if (rule.kind === 'timeout') {
        forward(req, body, undefined); // the client gives up on this connection; close() ends it
        return;
      }
      const reply = errorReply(call, rule.kind);
      res.writeHead(reply.status, { 'content-type': 'text/xml' }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arm: (rule) => {
      rules.push({ ...rule, used: 0 });
    },
    disarm: () => {
      rules = [];
    },
    injected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
