import { randomBytes } from 'node:crypto';

// A random per-process prefix plus a counter: unique enough for traces, and costs no syscall per call.
const prefix = randomBytes(6).toString('hex');
let counter = 0;

/** A new trace or span id: 12 hex digits of process identity, then a counter in base 36. */
export function newId(): string {
  counter = counter >= Number.MAX_SAFE_INTEGER ? 1 : counter + 1;
  return `${prefix}${counter.toString(36)}`;
}
