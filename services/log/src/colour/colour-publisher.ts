import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { StorageType } from '@nats-io/jetstream';
import { LOG_COLOUR_BUCKET, LOG_COLOUR_KEY, streamReplicas, type ColourRule } from '@msec/contracts';

/** Where the colouring rules go so that every SDK sees them; one method, so the transport can be swapped. */
export interface ColourRulePublisher {
  publish(rules: readonly ColourRule[]): Promise<void>;
}

/** Puts the whole rule set under one key of a KV bucket (file storage, history 1); SDKs watch that key. */
export class KvColourRulePublisher implements ColourRulePublisher {
  private bucket: Promise<KV> | undefined;

  constructor(private readonly nc: NatsConnection) {}

  async publish(rules: readonly ColourRule[]): Promise<void> {
    this.bucket ??= new Kvm(this.nc)
      .create(LOG_COLOUR_BUCKET, { history: 1, storage: StorageType.File, replicas: streamReplicas() })
      .catch((error: unknown) => {
        this.bucket = undefined;
        throw error;
      });
    await (await this.bucket).put(LOG_COLOUR_KEY, JSON.stringify(rules));
  }
}
