import { JetStreamApiError, type ApiError } from '@nats-io/jetstream';
import { createInbox, TimeoutError, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** JetStream's acknowledgement of a stored message. */
export interface StoreAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

/** A JetStream reply: an API response or a publish acknowledgement. */
type JsReply = Record<string, unknown> & { error?: ApiError };

interface Pending {
  resolve: (reply: JsReply) => void;
  reject: (error: Error) => void;
  deadline: number;
}

const decoder = new TextDecoder();

/**
 * Publishes to JetStream (and calls its API) awaiting each reply, matched on one wildcard inbox
 * subscription. It speaks the protocol `js.publish` speaks (a publish with a reply subject, a JSON reply)
 * without its per-message costs: nats.js's request path builds two Errors with stack traces, a timer and a
 * request record for every message, which is a third of the CPU of a small publish. Timeouts are swept by
 * one timer; every request shares one timeout, so pending entries expire in insertion order.
 */
export class AckPublisher {
  private readonly prefix: string;
  private sub: Subscription | undefined;
  private readonly pending = new Map<string, Pending>();
  private sweeper: NodeJS.Timeout | undefined;
  private token = 0;
  private closing = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    // Honour a connection's custom inbox prefix (subject permissions are often granted on it).
    const inboxPrefix = (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
    this.prefix = `${createInbox(inboxPrefix)}.`;
  }

  /** Publishes `data` to `subject` with `headers` (which carry Nats-Msg-Id) and resolves with the store ack. */
  async publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<StoreAck> {
    const reply = await this.request(subject, data, headers);
    if (typeof reply.stream !== 'string' || typeof reply.seq !== 'number') throw new Error('invalid JetStream acknowledgement');
    return { stream: reply.stream, seq: reply.seq, duplicate: reply.duplicate === true };
  }

  /** Sends one request and resolves with its JSON reply; a JetStream error reply rejects with JetStreamApiError. */
  request(subject: string, data: Uint8Array | string, headers?: MsgHdrs): Promise<JsReply> {
    this.closing = false;
    this.sub ??= this.nc.subscribe(`${this.prefix}*`, { callback: (_error, msg) => this.settle(msg) });
    const token = (this.token++).toString(36);
    return new Promise<JsReply>((resolve, reject) => {
      try {
        this.nc.publish(subject, data, { reply: this.prefix + token, ...(headers ? { headers } : {}) });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.pending.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.sweeper ??= setInterval(() => this.sweep(), Math.min(250, this.timeoutMs / 4)).unref();
    });
  }

  /** Drops the inbox subscription once no request awaits its reply (a later request makes a new one). */
  close(): void {
    this.closing = true;
    this.release();
  }

  private release(): void {
    if (!this.closing || this.pending.size > 0) return;
    this.sub?.unsubscribe();
    this.sub = undefined;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private settle(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const p = this.pending.get(token);
    if (p === undefined) return;
    this.pending.delete(token);
    this.release();
    // No stream listens on the subject (or JetStream is off): the server answers 503 with no body.
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      p.reject(new Error('no JetStream stream answered on this subject (503 no responders)'));
      return;
    }
    let reply: JsReply;
    try {
      reply = JSON.parse(decoder.decode(msg.data)) as JsReply;
    } catch (error) {
      p.reject(new Error('invalid JetStream reply', { cause: error }));
      return;
    }
    if (reply.error) p.reject(new JetStreamApiError(reply.error));
    else p.resolve(reply);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) break;
      this.pending.delete(token);
      p.reject(new TimeoutError());
    }
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    this.release();
  }
}
