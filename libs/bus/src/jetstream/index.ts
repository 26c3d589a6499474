// The JetStream layer every service uses to make its streams and consumers. Importable alone as
// `@msec/bus/jetstream`: a process that only needs a stream does not load the rest of the bus.
export { ensureStream, streamInfo } from './ensure-stream.js';
export type { StreamSpec, ExistingStreamPolicy } from './ensure-stream.js';
export { ensureConsumer, consumerInfo } from './ensure-consumer.js';
export type { DurableConsumerSpec, EnsureConsumerOptions, MutableConsumerSetting } from './ensure-consumer.js';
export { ResilientPull, PULL_EXPIRES_MS } from './resilient-pull.js';
export { readStream, scanStream } from './stream-reader.js';
