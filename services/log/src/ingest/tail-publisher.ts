import type { NatsConnection } from '@nats-io/transport-node';
import { LogSubjects, type LogLine } from '@msec/contracts';

/** A subject token from a service name: NATS subjects allow no spaces or wildcards. */
export function tailToken(service: string): string {
  return service.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+|\.+$/g, '') || '_';
}

/** Publishes stored lines on `msec.log.tail.<service>` (core NATS, one message per service per batch) for live tails. */
export class TailPublisher {
  constructor(private readonly nc: NatsConnection) {}

  /** Publishes a JSON array of lines of one service, already encoded (an ingest message body). */
  publishEncoded(service: string, lines: Uint8Array): void {
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish(LogSubjects.tail(tailToken(service)), lines);
    } catch {
      // A tail is best effort; the lines are stored.
    }
  }

  publish(lines: readonly LogLine[]): void {
    if (lines.length === 0 || this.nc.isClosed()) return;
    const byService = new Map<string, LogLine[]>();
    for (const line of lines) {
      const token = tailToken(line.service);
      const group = byService.get(token);
      if (group) group.push(line);
      else byService.set(token, [line]);
    }
    for (const [token, group] of byService) {
      // Chunks keep each message well under NATS's 1 MiB payload limit (messages are capped at 8 KiB).
      for (let i = 0; i < group.length; i += 100) {
        try {
          this.nc.publish(LogSubjects.tail(token), JSON.stringify(group.slice(i, i + 100)));
        } catch {
          // A tail is best effort; the lines are stored.
        }
      }
    }
  }
}
