import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { ensureStream } from '@msec/bus/jetstream';
import type { AlarmEvent } from '@msec/contracts';

/** Where alarm and recovery events go; one method so the bus lib can replace it. */
export interface AlarmEventSink {
  publish(subject: string, event: AlarmEvent): Promise<void>;
}

/** Stream kept for monitor events until the bus lib owns event streams. */
export const MONITOR_EVENTS_STREAM = { name: 'MSEC_MONITOR_EVENTS', subjects: ['msec.events.monitor.>'] } as const;

/**
 * Publishes each event once: through JetStream when a stream stores `msec.events.monitor.*` (MSEC_MONITOR_EVENTS is created
 * when none does), else on core NATS (e.g. another stream already covers the subjects in a way that conflicts).
 * Whether a stream exists is settled before the first publish, because a JetStream publish with no stream still reaches
 * core subscribers, so publishing twice would deliver twice.
 */
export class JetStreamAlarmEventSink implements AlarmEventSink {
  private readonly logger = new Logger('AlarmEvents');
  private mode: Promise<'jetstream' | 'core'> | undefined;

  constructor(private readonly nc: NatsConnection) {}

  async publish(subject: string, event: AlarmEvent): Promise<void> {
    this.mode ??= this.settle(subject);
    const payload = JSON.stringify(event);
    if ((await this.mode) === 'jetstream') {
      await jetstream(this.nc).publish(subject, payload, { msgID: `${event.kind}-${event.alarm.id}`, timeout: 3000 });
    } else {
      this.nc.publish(subject, payload);
    }
  }

  private async settle(subject: string): Promise<'jetstream' | 'core'> {
    try {
      const jsm = await jetstreamManager(this.nc);
      const owner = await jsm.streams.find(subject).catch(() => undefined);
      // A stream an operator made for these subjects is theirs to configure.
      if (owner === undefined || owner === MONITOR_EVENTS_STREAM.name)
        await ensureStream(jsm, { name: MONITOR_EVENTS_STREAM.name, subjects: [...MONITOR_EVENTS_STREAM.subjects] });
      return 'jetstream';
    } catch (error) {
      this.logger.warn(
        `no JetStream stream for ${subject} (${error instanceof Error ? error.message : String(error)}); events go on core NATS`,
      );
      return 'core';
    }
  }
}
