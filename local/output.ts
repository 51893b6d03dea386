/**
 * Runs `fn` with everything written to stdout and stderr (the handlers' JSON logs, EMF metrics,
 * warnings) captured instead of printed, or printed as well when `forward` is set. The local runner
 * saves the captured lines beside its summary; the benchmark drops them.
 */
export async function capturingOutput<T>(
  forward: boolean,
  fn: () => Promise<T>,
): Promise<{ result: T; lines: string }> {
  let lines = '';
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  streams.forEach((stream, i) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines += String(chunk);
      return forward ? (originals[i] as typeof stream.write)(chunk, ...(rest as [])) : true;
    }) as typeof stream.write;
  });
  try {
    return { result: await fn(), lines };
  } finally {
    streams.forEach((stream, i) => {
      stream.write = originals[i] as typeof stream.write;
    });
  }
}
