import * as z from 'zod';

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

export { credentialsKey } from '../contracts/keys';

export function serializeCredentials(doc: CredentialsDocument): string {
  // Fixed field order so that identical credentials always produce identical bytes.
  return JSON.stringify({
    application_username: doc.application_username,
    application_password: doc.application_password,
    client_id: doc.client_id,
    client_secret: doc.client_secret,
  });
}
