import { randomBytes } from 'node:crypto';

// A random per-process prefix plus a counter: unique enough for traces, and costs no syscall per call.
const prefix = randomBytes(6).toString('hex');
const prefixCodes = Array.from(prefix, (c) => c.charCodeAt(0));
const DIGITS = Array.from('0123456789abcdefghijklmnopqrstuvwxyz', (c) => c.charCodeAt(0));
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
  return prefixCodes.length + digits;
}

/** Most bytes an id takes: the prefix and a safe integer in base 36. */
export const MAX_ID_LENGTH = 12 + 11;

/** Writes idText(n) (ASCII) at `pos`, which must have MAX_ID_LENGTH bytes free; returns the position after it. */
export function writeIdText(buf: Uint8Array, pos: number, n: number): number {
  for (let i = 0; i < prefixCodes.length; i++) buf[pos + i] = prefixCodes[i]!;
  pos += prefixCodes.length;
  if (n > 0x7fff_ffff) {
    const end = pos + idLength(n) - prefixCodes.length;
    for (let i = end - 1, v = n; i >= pos; i--, v = Math.floor(v / 36)) buf[i] = DIGITS[v % 36]!;
    return end;
  }
  // Counters almost always fit 31 bits: integer arithmetic, digits written backwards from the end.
  let digits = 1;
  for (let v = n; v >= 36; v = (v / 36) | 0) digits++;
  const end = pos + digits;
  for (let i = end - 1, v = n; i >= pos; i--, v = (v / 36) | 0) buf[i] = DIGITS[v % 36]!;
  return end;
}
