import type { BusDeadLetterView, BusMessageView, BusTraceStep, BusTraceView } from '@msec/contracts';
import type { BusMessage, DeadLetter, MessageTrace, TraceRecord } from '@msec/bus';

const iso = (ms: number | Date | undefined): string | undefined =>
  ms === undefined ? undefined : (typeof ms === 'number' ? new Date(ms) : ms).toISOString();

/** JSON bodies stay as they are; raw bytes travel as base64 text. */
function bodyView(body: unknown): { body: unknown; bodyEncoding: 'json' | 'base64' } {
  return body instanceof Uint8Array
    ? { body: Buffer.from(body).toString('base64'), bodyEncoding: 'base64' }
    : { body, bodyEncoding: 'json' };
}

/** A bus message as JSON. */
export function messageView(m: BusMessage, headers: Record<string, string>): BusMessageView {
  return {
    msgId: m.msgId,
    subject: m.subject,
    ...bodyView(m.body),
    tags: m.tags,
    producer: m.producer,
    publishedAt: m.publishedAt.toISOString(),
    deliverAt: m.deliverAt ? m.deliverAt.toISOString() : null,
    headers,
  };
}

/** A dead letter as JSON. */
export function deadLetterView(d: DeadLetter, headers: Record<string, string> = {}): BusDeadLetterView {
  return {
    seq: d.seq,
    group: d.group,
    attempts: d.attempts,
    reason: d.reason,
    deadAt: d.deadAt.toISOString(),
    redriveCount: d.redriveCount,
    message: messageView(d.message, headers),
  };
}

function stepView(r: TraceRecord): BusTraceStep {
  const step: BusTraceStep = { kind: r.kind, at: iso(r.at)! };
  if (r.subject !== undefined) step.subject = r.subject;
  if (r.producer !== undefined) step.producer = r.producer;
  if (r.group !== undefined) step.group = r.group;
  if (r.consumer !== undefined) step.consumer = r.consumer;
  if (r.attempt !== undefined) step.attempt = r.attempt;
  if (r.nextAttemptAt !== undefined) step.nextAttemptAt = iso(r.nextAttemptAt)!;
  if (r.error !== undefined) step.error = r.error;
  if (r.stream !== undefined) step.stream = r.stream;
  if (r.seq !== undefined) step.seq = r.seq;
  if (r.lateMs !== undefined) step.lateMs = r.lateMs;
  return step;
}

/** A message trace as JSON, with content decoded when it is JSON. */
export function traceView(t: MessageTrace): BusTraceView {
  let body: unknown = null;
  let bodyEncoding: BusTraceView['bodyEncoding'] = null;
  if (t.body !== undefined) {
    try {
      body = t.body.length === 0 ? null : JSON.parse(new TextDecoder().decode(t.body));
      bodyEncoding = 'json';
    } catch {
      body = Buffer.from(t.body).toString('base64');
      bodyEncoding = 'base64';
    }
  }
  // Dead unless a re-drive came after the last dead-letter record of each group.
  const lastDead = new Map<string, number>();
  const lastRedrive = new Map<string, number>();
  for (const r of t.records) {
    if (r.kind === 'dead') lastDead.set(r.group ?? '', r.at);
    if (r.kind === 'redriven') lastRedrive.set(r.group ?? '', r.at);
  }
  const dead = [...lastDead].some(([g, at]) => (lastRedrive.get(g) ?? -1) < at);
  return {
    msgId: t.msgId,
    subject: t.subject ?? null,
    producer: t.producer ?? null,
    publishedAt: iso(t.publishedAt) ?? null,
    deliverAt: iso(t.deliverAt) ?? null,
    tags: t.tags,
    body,
    bodyEncoding,
    deliveries: t.deliveries.map(stepView),
    dead,
    timeline: t.records.map(stepView),
  };
}
