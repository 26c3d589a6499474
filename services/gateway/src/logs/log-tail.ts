import type { NatsConnection } from '@nats-io/transport-node';
import { Observable } from 'rxjs';
import { LogLevel, LogSubjects, type FieldFilter, type LogLevelName, type LogLine } from '@msec/contracts';

/** Filters the live tail applies to each line in memory (the same meaning as a search's). */
export interface TailFilter {
  service?: string;
  host?: string;
  instance?: string;
  traceId?: string;
  level?: LogLevelName[];
  minLevel?: LogLevelName;
  field?: FieldFilter[];
  text?: string;
}

/** The tail subject of one service, as the log service publishes it; `>` of all when the name makes no valid subject. */
export function tailSubject(service: string | undefined): string {
  if (service === undefined) return LogSubjects.tailAll;
  // The same token the log service's TailPublisher makes.
  const safe = service.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+|\.+$/g, '') || '_';
  return /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(safe) ? LogSubjects.tail(safe) : LogSubjects.tailAll;
}

/** True when the line passes every filter. */
export function matchesTail(line: LogLine, f: TailFilter): boolean {
  if (f.service !== undefined && line.service !== f.service) return false;
  if (f.host !== undefined && line.host !== f.host) return false;
  if (f.instance !== undefined && line.instance !== f.instance) return false;
  if (f.traceId !== undefined && line.traceId !== f.traceId) return false;
  if (f.level !== undefined && !f.level.includes(line.level)) return false;
  if (f.minLevel !== undefined && LogLevel[line.level] < LogLevel[f.minLevel]) return false;
  if (f.text !== undefined && !line.message.toLowerCase().includes(f.text.toLowerCase())) return false;
  for (const { name, value } of f.field ?? []) {
    const v = line.fields?.[name];
    if (v === undefined || String(v) !== value) return false;
  }
  return true;
}

/**
 * Stored lines as they arrive, filtered: one core-NATS subscription per subscriber, ended when the subscriber
 * unsubscribes (Nest does so when the SSE client goes away). Emits non-empty batches, oldest first.
 */
export function tailLines(nc: NatsConnection, filter: TailFilter): Observable<LogLine[]> {
  return new Observable<LogLine[]>((subscriber) => {
    const sub = nc.subscribe(tailSubject(filter.service), {
      callback: (err, msg) => {
        if (err) return subscriber.error(err);
        let lines: unknown;
        try {
          lines = msg.json();
        } catch {
          return;
        }
        if (!Array.isArray(lines)) return;
        const passed = (lines as LogLine[]).filter((l) => matchesTail(l, filter)).sort((a, b) => a.ts - b.ts);
        if (passed.length > 0) subscriber.next(passed);
      },
    });
    return () => sub.unsubscribe();
  });
}
