import type { NatsConnection } from '@nats-io/transport-node';
import { StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { RATE_QUOTA_BUCKET, RATE_QUOTA_TTL_SECONDS, streamReplicas } from '@msec/contracts';

/**
 * Creates (or opens) the KV bucket of cluster-wide rate limit counts: memory storage (a count lives for a second of
 * use; losing them on a server restart only restarts the second's count), one value per key, entries expiring after
 * RATE_QUOTA_TTL_SECONDS. The registry creates it at start; services only read and update their own keys.
 */
export function ensureRateQuotaBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(RATE_QUOTA_BUCKET, {
    history: 1,
    storage: StorageType.Memory,
    ttl: RATE_QUOTA_TTL_SECONDS * 1000,
    replicas: streamReplicas(),
  });
}
