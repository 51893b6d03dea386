import * as z from 'zod';

/**
 * The published contract, `s3://<bucket>/<app-id>/credentials.json`: exactly these four fields. It lives
 * in the agent package because the package is installed on its own and may import nothing from the rest
 * of the repository; Mint's functions import it from here (through `lambdas/core/credentials.ts`), so the
 * writer and the reader share one schema.
 */
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
 * Where an app's document is. Mint's own key layout (`lambdas/contracts/keys.ts`) names the same key; a
 * unit test holds the two together, since this package cannot import that file.
 */
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
