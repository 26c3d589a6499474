import { invalidField, messageTooLarge, unknownSubject } from '../bus.errors.js';

/** QMQ's horizon for delayed messages: two years. */
export const MAX_DELAY_MS = 2 * 366 * 24 * 3600 * 1000;
/** Delays shorter than this are sent at once, as QMQ does. */
export const IMMEDIATE_DELAY_MS = 500;
/** At most this many tags per message. */
export const MAX_TAGS = 10;

const TOKEN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const PATTERN_TOKEN = /^([A-Za-z][A-Za-z0-9_-]{0,63}|\*|>)$/;
const MSG_ID = /^[A-Za-z0-9_-]{1,128}$/;
const TAG = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Throws unless `subject` is dot-separated tokens of letters, digits, `_` and `-` (no wildcards). */
export function validateSubject(subject: unknown, field = 'subject'): string {
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 255) {
    throw invalidField(field, 'must be a non-empty string of at most 255 characters such as "order.created"');
  }
  const tokens = subject.split('.');
  if (tokens.length > 16 || !tokens.every((t) => TOKEN.test(t))) {
    throw invalidField(
      field,
      `"${subject}" is not a subject: use up to 16 dot-separated tokens, each starting with a letter, then letters, digits, _ or -`,
      { subject },
    );
  }
  return subject;
}

/** Throws unless `pattern` is a subject where tokens may be `*`, and the last may be `>`. */
export function validateSubjectPattern(pattern: unknown, field = 'subject'): string {
  if (typeof pattern !== 'string' || pattern.length === 0)
    throw invalidField(field, 'must be a non-empty subject pattern such as "order.*"');
  const tokens = pattern.split('.');
  const ok = tokens.every((t, i) => PATTERN_TOKEN.test(t) && (t !== '>' || i === tokens.length - 1));
  if (!ok) throw invalidField(field, `"${pattern}" is not a subject pattern: tokens are names, "*", or a final ">"`, { pattern });
  return pattern;
}

/** True when a subject matches a NATS-style pattern (`*` one token, `>` the rest). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Throws BUS_UNKNOWN_SUBJECT when a list of known patterns is configured and none matches. */
export function requireKnownSubject(subject: string, known: readonly string[] | undefined): void {
  if (known === undefined || known.length === 0) return;
  if (!known.some((p) => subjectMatches(p, subject))) throw unknownSubject(subject, known);
}

/** Throws unless the id can serve as a de-duplication id and a subject token. */
export function validateMsgId(msgId: unknown, field = 'msgId'): string {
  if (typeof msgId !== 'string' || !MSG_ID.test(msgId)) {
    throw invalidField(
      field,
      'must be 1-128 characters of letters, digits, _ or - (it becomes a de-duplication id and a trace subject token)',
    );
  }
  return msgId;
}

/** Throws unless tags are at most 10 distinct short strings; returns them sorted. */
export function validateTags(tags: unknown, field = 'tags'): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw invalidField(field, 'must be an array of strings');
  if (tags.length > MAX_TAGS) throw invalidField(field, `has ${tags.length} tags; at most ${MAX_TAGS} are allowed`, { count: tags.length });
  for (const t of tags) {
    if (typeof t !== 'string' || !TAG.test(t))
      throw invalidField(field, `"${String(t)}" is not a tag: use 1-64 letters, digits, _ . : or -`);
  }
  return [...new Set(tags as string[])].sort();
}

/** Throws when the body is larger than the limit. */
export function validateSize(bytes: number, limit: number): void {
  if (bytes > limit) throw messageTooLarge(bytes, limit);
}

/**
 * Turns `delayMs` / `deliverAt` into an absolute due time in ms, or undefined for "send now".
 * Throws when the value is not a finite number or date, negative, or more than two years ahead.
 */
export function resolveDueTime(options: { delayMs?: unknown; deliverAt?: unknown }, now: number): number | undefined {
  const { delayMs, deliverAt } = options;
  if (delayMs !== undefined && deliverAt !== undefined) throw invalidField('delayMs', 'give either delayMs or deliverAt, not both');
  let due: number | undefined;
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs))
      throw invalidField('delayMs', 'must be a finite number of milliseconds', { value: String(delayMs) });
    if (delayMs < 0) throw invalidField('delayMs', 'must not be negative', { value: delayMs });
    if (delayMs > MAX_DELAY_MS) throw invalidField('delayMs', `must be at most ${MAX_DELAY_MS} ms (two years)`, { value: delayMs });
    due = now + delayMs;
  } else if (deliverAt !== undefined) {
    const at = deliverAt instanceof Date ? deliverAt.getTime() : deliverAt;
    if (typeof at !== 'number' || !Number.isFinite(at))
      throw invalidField('deliverAt', 'must be a valid Date or epoch milliseconds', { value: String(deliverAt) });
    if (at - now > MAX_DELAY_MS) throw invalidField('deliverAt', 'must be at most two years ahead', { value: at });
    due = at;
  }
  if (due === undefined || due - now < IMMEDIATE_DELAY_MS) return undefined;
  return due;
}
