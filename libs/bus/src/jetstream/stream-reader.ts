import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, nuid, type NatsConnection } from '@nats-io/transport-node';

/**
 * Reads every message of `stream` matching `filter` (oldest first, at most `limit`) through a short-lived
 * ephemeral consumer. nats-server 2.9 has no batch direct-get, so admin reads go this way.
 */
export async function readStream(nc: NatsConnection, stream: string, filter: string, limit = 1_000): Promise<JsMsg[]> {
  const out: JsMsg[] = [];
  await scanStream(nc, stream, filter, (m) => {
    out.push(m);
    return out.length < limit;
  });
  return out;
}

/**
 * Visits the messages of `stream` matching `filter`, oldest first, until `visit` returns (or resolves to) false or
 * none are left; an async visit is awaited before the next message.
 */
export async function scanStream(
  nc: NatsConnection,
  stream: string,
  filter: string,
  visit: (m: JsMsg) => boolean | Promise<boolean>,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const name = `read_${nuid.next()}`;
  const info = await jsm.consumers.add(stream, {
    name,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    filter_subject: filter,
    // Long enough for a slow visit of one batch: the consumer goes with the scan's end anyway.
    inactive_threshold: nanos(600_000),
    mem_storage: true,
  });
  try {
    let pending = info.num_pending;
    const consumer = await jetstream(nc).consumers.get(stream, name);
    while (pending > 0) {
      // Ask for no more than is pending: a pull for more waits until it expires.
      const batch = await consumer.fetch({ max_messages: Math.min(500, pending), expires: 2_000 });
      // The whole batch is taken first: a visit that takes its time (a rebuild writing to a busy database) must not
      // keep the pull open past its heartbeats.
      const got: JsMsg[] = [];
      for await (const m of batch) got.push(m);
      if (got.length === 0) break;
      for (const m of got) {
        pending = m.info.pending;
        if (!(await visit(m))) return;
      }
    }
  } finally {
    await jsm.consumers.delete(stream, name).catch(() => false);
  }
}
