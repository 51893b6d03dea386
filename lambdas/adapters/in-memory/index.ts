/** The ports in memory: what service tests run against instead of the SDK mock. */
export { InMemoryBucketStore, type InMemoryBucketStoreOptions, type StoredVersion } from './bucket-store';
export { InMemoryCycleRegistry } from './cycle-registry';
export {
  InMemoryIdentityStore,
  type InMemoryIdentityStoreOptions,
  type InMemoryUser,
} from './identity-store';
