/** The application side of Mint: read, watch and write the credentials Mint publishes. */
export {
  type ClientFactory,
  type CredentialsDocument,
  CredentialsError,
  type CredentialsLocation,
  CredentialsWatcher,
  type LoadedCredentials,
  loadCredentials,
  parseCredentials,
  type WatcherOptions,
} from './credentials';
export { credentialFiles, writeCredentialFiles, writeFileAtomic } from './files';
