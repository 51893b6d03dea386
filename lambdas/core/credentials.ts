import * as z from 'zod';
import { isAppId } from './apps';
import { MINT_PREFIX } from './cycle';

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

/**
 * The bucket prefix that holds an app's credentials, the one Reconcile deletes with the app's user.
 * Refuses anything that is not an app id, so nothing can ever point a deletion at Mint's own state
 * (`_mint/`) or at the whole bucket.
 */
export function appPrefix(appId: string): string {
  const prefix = `${appId}/`;
  if (!isAppId(appId) || prefix.startsWith(MINT_PREFIX)) {
    throw new Error(
      `refusing to use ${JSON.stringify(prefix)} as an app's prefix: not an app id (Mint's own state lives under ${MINT_PREFIX})`,
    );
  }
  return prefix;
}

export function credentialsKey(appId: string): string {
  return `${appId}/credentials.json`;
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
