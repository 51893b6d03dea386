import * as z from 'zod';
import { credentialsKey, MINT_PREFIX } from '../contracts/keys';
import { isAppId } from './apps';

/** The published contract: `s3://<bucket>/<app-id>/credentials.json`, exactly these four fields. */
export const credentialsDocumentSchema = z
  .object({
    application_username: z.string().min(1),
    application_password: z.string().min(1),
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
  })
  .strict();

export type CredentialsDocument = z.infer<typeof credentialsDocumentSchema>;

export { credentialsKey };

/**
 * The credentials key of an app whose versions Reconcile deletes with its user. Refuses anything that is
 * not an app id, so no deletion can ever point at Mint's own state (`_mint/`) or another app's file.
 */
export function removedAppCredentialsKey(appId: string): string {
  if (!isAppId(appId) || appId.startsWith(MINT_PREFIX.slice(0, -1))) {
    throw new Error(
      `refusing to delete the credentials of ${JSON.stringify(appId)}: not an app id (Mint's own state lives under ${MINT_PREFIX})`,
    );
  }
  return credentialsKey(appId);
}

export function serializeCredentials(doc: CredentialsDocument): string {
  // Fixed field order so that identical credentials always produce identical bytes.
  return JSON.stringify({
    application_username: doc.application_username,
    application_password: doc.application_password,
    client_id: doc.client_id,
    client_secret: doc.client_secret,
  });
}
