/**
 * A read done once per instance (a Lambda container) and shared by every caller, for settings that
 * change rarely (a password policy). A failed read is not kept: the next caller reads again.
 */
export function readOnce<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
