import { randomBytes } from 'node:crypto';

const processTag = randomBytes(4).toString('hex');
let counter = 0;

/**
 * A unique line id that sorts by time: 12 hex digits of epoch ms, 8 of a per-process random tag, 6 of a counter.
 * Time order keeps database inserts near the end of the index.
 */
export function newLineId(now = Date.now()): string {
  counter = (counter + 1) & 0xffffff;
  return now.toString(16).padStart(12, '0') + processTag + counter.toString(16).padStart(6, '0');
}

/** A new random trace id (32 hex digits). */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** A new random span id (16 hex digits). */
export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}
