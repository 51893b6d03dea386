// The document's schema belongs to the agent package (installed on its own, it imports nothing from here);
// Mint writes exactly what the agent reads.
export {
  type CredentialsDocument,
  credentialsDocumentSchema,
  serializeCredentials,
} from '../../packages/agent/src/document';

import { credentialsKey, MINT_PREFIX } from '../contracts/keys';
import { isAppId } from './apps';

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
