/**
 * ZooKeeper digest identities of the service tree: the registry writes it, the reader reads it, and each business
 * service `svc-<First.Second>` announces and withdraws its own instances in its `live/` folder.
 */
export const ZkIdentityName = {
  registry: 'msec-registry',
  reader: 'msec-reader',
  servicePrefix: 'svc-',
} as const;
