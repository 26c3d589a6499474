import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { StorageType } from '@nats-io/jetstream';
import { LIVE_CONFIG_BUCKET, liveConfigKey, parseLiveConfigValue, streamReplicas, type LiveConfigValue } from '@msec/contracts';

/**
 * The KV bucket running instances read their live config from (one key per service, file storage, a few versions of
 * history for inspection). Only the deploy service writes it.
 */
export class LiveConfigBucket {
  private bucket: Promise<KV> | undefined;

  constructor(private readonly nc: NatsConnection) {}

  /** Creates the bucket when missing, so instances find it before the first version is published. */
  async ensure(): Promise<void> {
    await this.open();
  }

  async put(value: LiveConfigValue): Promise<void> {
    await (await this.open()).put(liveConfigKey(value.service), JSON.stringify(value));
  }

  /** What the bucket holds for a service now; undefined when nothing (readable) is there. */
  async get(service: string): Promise<LiveConfigValue | undefined> {
    const entry = await (await this.open()).get(liveConfigKey(service));
    return entry === null || entry.operation !== 'PUT' ? undefined : parseLiveConfigValue(entry.string());
  }

  private open(): Promise<KV> {
    this.bucket ??= new Kvm(this.nc)
      .create(LIVE_CONFIG_BUCKET, { history: 5, storage: StorageType.File, replicas: streamReplicas() })
      .catch((error: unknown) => {
        this.bucket = undefined;
        throw error;
      });
    return this.bucket;
  }
}
