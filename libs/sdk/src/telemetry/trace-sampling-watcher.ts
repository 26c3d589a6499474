import type { NatsConnection } from '@nats-io/transport-node';
import { LOG_TRACE_SAMPLING_KEY } from '@msec/contracts';
import { ColourBucketKeyWatcher } from '../log/colour-bucket-watcher.js';

/**
 * Follows the trace sampling set in the console: the LOG_TRACE_SAMPLING_KEY value beside the colouring rules,
 * delivered at start and on every change (undefined when deleted).
 */
export class TraceSamplingWatcher extends ColourBucketKeyWatcher {
  constructor(nc: NatsConnection, onValue: (text: string | undefined) => void, retryMs = 2000) {
    super(nc, LOG_TRACE_SAMPLING_KEY, onValue, retryMs);
  }
}
