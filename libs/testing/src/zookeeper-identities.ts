import { randomBytes } from 'node:crypto';
import { ZkIdentityName } from '@msec/contracts';

/** Digest identities for one test run's service tree, generated fresh (nothing is configured in ZooKeeper itself). */
export interface ZooKeeperIdentities {
  /** `msec-registry:<password>`: the registry's identity (MSEC_ZK_AUTH of the registry). */
  registry: string;
  /** `msec-reader:<password>`: the shared read identity. */
  reader: string;
  /** Secret the `svc-<Service>` identities derive from (`serviceIdentity` in @msec/nlb). */
  serviceSecret: string;
  /** The environment a registry process needs to apply these ACLs. */
  registryEnv: Record<string, string>;
}

/** New random identities: a registry started with `registryEnv` locks its tree to them. */
export function zooKeeperIdentities(): ZooKeeperIdentities {
  const registry = `${ZkIdentityName.registry}:${randomBytes(18).toString('base64url')}`;
  const reader = `${ZkIdentityName.reader}:${randomBytes(18).toString('base64url')}`;
  const serviceSecret = randomBytes(32).toString('base64url');
  return {
    registry,
    reader,
    serviceSecret,
    registryEnv: { MSEC_ZK_AUTH: registry, MSEC_ZK_READER_AUTH: reader, MSEC_ZK_SERVICE_SECRET: serviceSecret },
  };
}
