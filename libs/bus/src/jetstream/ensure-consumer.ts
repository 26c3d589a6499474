import { JetStreamApiCodes, JetStreamApiError, type ConsumerConfig, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';

/** A durable consumer: its name and how it reads. */
export type DurableConsumerSpec = Partial<ConsumerConfig> & { durable_name: string };

/** Settings of a consumer that may change while it keeps its position. */
export type MutableConsumerSetting = 'ack_wait' | 'max_ack_pending' | 'max_deliver' | 'inactive_threshold';

export interface EnsureConsumerOptions {
  /** Settings an existing consumer is brought to (the rest of an existing consumer is kept, its position above all). */
  update?: readonly MutableConsumerSetting[];
}

/**
 * Creates the durable consumer when missing and returns it; an existing one keeps its configuration except the
 * settings named in `update`. Safe when several processes of a group start at once.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  spec: DurableConsumerSpec,
  options: EnsureConsumerOptions = {},
): Promise<ConsumerInfo> {
  const current = (await consumerInfo(jsm, stream, spec.durable_name)) ?? (await add(jsm, stream, spec));
  const stale = (options.update ?? []).filter((key) => spec[key] !== undefined && current.config[key] !== spec[key]);
  if (stale.length === 0) return current;
  return jsm.consumers.update(stream, spec.durable_name, Object.fromEntries(stale.map((key) => [key, spec[key]])));
}

/** The consumer's info, or undefined when there is no such consumer (other failures are thrown). */
export async function consumerInfo(jsm: JetStreamManager, stream: string, name: string): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
    throw error;
  }
}

async function add(jsm: JetStreamManager, stream: string, spec: DurableConsumerSpec): Promise<ConsumerInfo> {
  try {
    return await jsm.consumers.add(stream, spec);
  } catch (error) {
    // Another process of the group made it first.
    const raced = await consumerInfo(jsm, stream, spec.durable_name);
    if (raced === undefined) throw error;
    return raced;
  }
}
