import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const MOTO_INSTALL_HINT =
  "moto is not installed for python3. Install it with: pip install 'moto[server]' (Python 3.9+, moto 5.2 tested), " +
  'or point Mint at a running endpoint with AWS_ENDPOINT_URL=http://127.0.0.1:<port>.';

/** moto_server with the IAM and Cognito behaviour Mint needs and moto lacks added; see the file for why. */
const MOTO_LAUNCHER = join(__dirname, 'moto_server.py');
/** The launcher's exit code when `import moto` fails. */
const MOTO_NOT_INSTALLED = 3;

export class MotoMissingError extends Error {
  override name = 'MotoMissingError';
}

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: the value for AWS_ENDPOINT_URL. */
  url: string;
  /** Stops the server and waits for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Starts moto's server on a free loopback port. Port 0 lets the OS choose, so parallel runs never
 * collide; the chosen port is read from the server's own startup line.
 */
export async function startMoto(
  options: {
    python?: string;
    startupTimeoutMs?: number;
    /** `python3 -m moto.server` as it comes, without the user boundaries (tests of other emulators). */
    plain?: boolean;
  } = {},
): Promise<MotoServer> {
  const python = options.python ?? process.env.MOTO_PYTHON ?? 'python3';
  const launcher = options.plain ? ['-m', 'moto.server'] : [MOTO_LAUNCHER];
  const child = spawn(python, [...launcher, '-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => stopProcess(child);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () =>
          reject(new Error(`moto did not start within ${options.startupTimeoutMs ?? 20_000} ms: ${output}`)),
        options.startupTimeoutMs ?? 20_000,
      );
      const onData = (data: Buffer) => {
        output += data.toString();
        const match = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          error.code === 'ENOENT'
            ? new MotoMissingError(`${python} was not found. ${MOTO_INSTALL_HINT}`)
            : error,
        );
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code === MOTO_NOT_INSTALLED) reject(new MotoMissingError(MOTO_INSTALL_HINT));
        else reject(new Error(`moto exited with code ${code} before it was ready: ${output.trim()}`));
      });
    });
    // The startup line is printed before the socket accepts; wait until it answers.
    await waitUntilServing(url);
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilServing(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`moto at ${url} never answered`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Empties every moto backend, so one server can serve several independent tests. */
export async function resetMoto(url: string): Promise<void> {
  const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed with HTTP ${response.status}`);
}
