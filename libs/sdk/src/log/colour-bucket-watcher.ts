import type { NatsConnection } from '@nats-io/transport-node';
import { LOG_COLOUR_BUCKET } from '@msec/contracts';
import { KvKeyWatcher } from '../runtime/kv-key-watcher.js';

/** Follows one key of the log service's KV bucket (colouring rules, trace sampling). */
export class ColourBucketKeyWatcher extends KvKeyWatcher {
  constructor(nc: NatsConnection, key: string, onValue: (text: string | undefined) => void, retryMs = 2000) {
    super(nc, LOG_COLOUR_BUCKET, key, onValue, retryMs);
  }
}
