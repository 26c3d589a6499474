import { randomBytes } from 'node:crypto';

// A random per-process prefix plus a counter: unique enough for traces, and costs no syscall per call.
const prefix = randomBytes(6).toString('hex');
const prefixBytes = Buffer.from(prefix, 'latin1');
const PREFIX_LENGTH = prefixBytes.length;
const DIGIT_BYTES = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz', 'latin1');
let counter = 0;

/**
 * Reserves a new trace or span id and returns its number. The id itself is idText(n): 12 hex digits of process
 * identity, then n in base 36. The number form lets the frame writer put the id on the wire without building
 * the string; the string is made only when something reads it.
 */
export function nextId(): number {
  counter = counter >= Number.MAX_SAFE_INTEGER ? 1 : counter + 1;
  return counter;
}

/** The text of id number n. */
export function idText(n: number): string {
  return `${prefix}${n.toString(36)}`;
}

/** A new trace or span id, as text. */
export function newId(): string {
  return idText(nextId());
}

/** Bytes of idText(n). */
export function idLength(n: number): number {
  let digits = 1;
  for (let v = n; v >= 36; v = Math.floor(v / 36)) digits++;
  return PREFIX_LENGTH + digits;
}

/** Most bytes an id takes: the prefix and a safe integer in base 36. */
export const MAX_ID_LENGTH = 12 + 11;

/** Writes idText(n) (ASCII) at `pos`, which must have MAX_ID_LENGTH bytes free; returns the position after it. */
export function writeIdText(buf: Uint8Array, pos: number, n: number): number {
  for (let i = 0; i < PREFIX_LENGTH; i++) buf[pos + i] = prefixBytes[i]!;
  pos += PREFIX_LENGTH;
  if (n > 0x7fff_ffff) {
    const end = pos + idLength(n) - PREFIX_LENGTH;
    for (let i = end - 1, v = n; i >= pos; i--, v = Math.floor(v / 36)) buf[i] = DIGIT_BYTES[v % 36]!;
    return end;
  }
  // Counters almost always fit 31 bits: the digit count by comparison, then integer arithmetic from the end.
  const digits = n < 1296 ? (n < 36 ? 1 : 2) : n < 1_679_616 ? (n < 46_656 ? 3 : 4) : n < 60_466_176 ? 5 : 6;
  let v = n;
  for (let i = pos + digits - 1; i >= pos; i--) {
    const q = (v / 36) | 0;
    buf[i] = DIGIT_BYTES[v - q * 36]!;
    v = q;
  }
  return pos + digits;
}
