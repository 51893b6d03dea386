import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type CredentialsDocument, serializeCredentials } from './document';

/**
 * The files the agent keeps in its directory: the document itself, and for applications written
 * against the original platform (berry), its two halves under their old names.
 */
export function credentialFiles(doc: CredentialsDocument): Record<string, string> {
  return {
    'credentials.json': `${serializeCredentials(doc)}\n`,
    'user.json': `${JSON.stringify({ application_username: doc.application_username, application_password: doc.application_password })}\n`,
    'client.json': `${JSON.stringify({ client_id: doc.client_id, client_secret: doc.client_secret })}\n`,
  };
}

/**
 * Replaces `dir/name` atomically: a reader sees the old file or the new one, never a mix. The data
 * goes to a temporary file in the same directory (same file system, so rename is atomic), mode 0600,
 * is fsynced, renamed over the target, and the directory is fsynced so the rename survives a crash.
 */
export async function writeFileAtomic(dir: string, name: string, content: string): Promise<void> {
  const target = join(dir, name);
  const temporary = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** Writes each file whose content differs from what is on disk; returns the names written. */
export async function writeCredentialFiles(dir: string, doc: CredentialsDocument): Promise<string[]> {
  const written: string[] = [];
  for (const [name, content] of Object.entries(credentialFiles(doc))) {
    const existing = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (existing === content) continue;
    await writeFileAtomic(dir, name, content);
    written.push(name);
  }
  return written;
}
