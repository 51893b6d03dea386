/** For an application team's own CDK stack: read access to its apps' Mint credentials. */
export { MintCredentialsReader, type MintCredentialsReaderProps } from './mint-credentials-reader';
export { type OwnerReadPolicyInput, ownerReadPolicy } from './owner-read-policy';
export type { PolicyDocument, PolicyStatement } from './policy-document';
