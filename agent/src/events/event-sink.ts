import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AgentLogger } from '../agent-logger.js';

/** Where the agent's events go; small so the JetStream bus (libs/bus) can replace it later. */
export interface EventSink {
  /** Fire-and-forget on core NATS (heartbeats). */
  publish(subject: string, event: object): void;
  /** Stored in JetStream with a de-duplication id; retried while NATS or the stream is unavailable. */
  publishDurable(subject: string, event: object, msgId: string): void;
}

/** Most unsent durable events kept in memory; older ones are dropped (the agent's audit.jsonl keeps them). */
const MAX_PENDING = 10_000;
const RETRY_MS = 2_000;

/** Core NATS for live events, JetStream for the ones that must not be lost (audit). */
export class NatsEventSink implements EventSink {
  private readonly logger = new AgentLogger('agent-events');
  private readonly js: JetStreamClient;
  private readonly pending: { subject: string; data: string; msgId: string }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private dropped = 0;

  constructor(private readonly nc: NatsConnection) {
    this.js = jetstream(nc, { timeout: 2_000 });
  }

  publish(subject: string, event: object): void {
    if (!this.nc.isClosed()) this.nc.publish(subject, JSON.stringify(event));
  }

  publishDurable(subject: string, event: object, msgId: string): void {
    this.send({ subject, data: JSON.stringify(event), msgId });
  }

  /** Stops retrying. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private send(item: { subject: string; data: string; msgId: string }): void {
    if (this.nc.isClosed()) return;
    this.js.publish(item.subject, item.data, { msgID: item.msgId }).catch((error: unknown) => {
      if (this.pending.length >= MAX_PENDING) {
        this.pending.shift();
        this.dropped += 1;
      }
      this.pending.push(item);
      if (!this.timer) {
        this.logger.warn(
          `cannot store ${item.subject} in JetStream (${String(error)}); retrying every ${RETRY_MS} ms, ${this.dropped} dropped so far`,
        );
        this.timer = setTimeout(() => this.retry(), RETRY_MS);
      }
    });
  }

  private retry(): void {
    this.timer = null;
    for (const item of this.pending.splice(0)) this.send(item);
  }
}
