import { NATS_CONNECTION } from '@msec/platform';
import { Injectable, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { KvSubjects, type KvProgressEvent } from '@msec/contracts';

/** Where kv-admin's events go; one small interface so the JetStream bus (libs/bus) can replace it. */
export interface KvEventSink {
  progress(event: KvProgressEvent): void;
}

/** Injection token of the KvEventSink. */
export const KV_EVENT_SINK = Symbol('KV_EVENT_SINK');

/** Publishes progress on core NATS: live progress is ephemeral, the durable record is the operation row. */
@Injectable()
export class NatsKvEventSink implements KvEventSink {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  progress(event: KvProgressEvent): void {
    if (!this.nc.isClosed()) this.nc.publish(KvSubjects.progressEvent, JSON.stringify(event));
  }
}
