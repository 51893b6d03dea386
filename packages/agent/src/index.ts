/** The application side of Mint: read, watch and write the credentials Mint publishes, and get tokens with them. */
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
export { createTokenSource, TokenError, type TokenSource, type TokenSourceOptions } from './token';
