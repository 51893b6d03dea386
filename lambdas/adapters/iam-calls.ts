/** IAM's SDK errors carry the API's error code as their name (`NoSuchEntityException`, …). */
export function isIamError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** Resolves when the call succeeds or finds its target already gone (NoSuchEntity). */
export async function ignoreMissing(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!isIamError(error, 'NoSuchEntityException')) throw error;
  }
}

/** Every item of an IAM list, page by page (`IsTruncated`/`Marker`). */
export async function allPages<P extends { IsTruncated?: boolean; Marker?: string }, T>(
  send: (marker: string | undefined) => Promise<P>,
  items: (page: P) => T[],
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const page = await send(marker);
    all.push(...items(page));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return all;
}
