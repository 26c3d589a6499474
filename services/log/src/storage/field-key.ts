import { hash } from 'node:crypto';

/** Longest stored field name; longer names are not indexed. */
export const FIELD_NAME_MAX = 64;
/** Values are indexed by their first 255 characters (a query value is at most that long). */
export const FIELD_VALUE_MAX = 255;

/**
 * MySQL/MariaDB expression equal to fieldKey(name, value) for columns or parameters `name` and `value`: the
 * first 13 hex digits (52 bits) of SHA-1 over `name NUL value` in UTF-8.
 */
export const MYSQL_FIELD_KEY_SQL = (name: string, value: string): string =>
  `CONV(LEFT(SHA1(CONCAT(${name}, CHAR(0), ${value})), 13), 16, 10)`;

const keyOf = (text: string): number => Number.parseInt(hash('sha1', text).slice(0, 13), 16);

/** The text a field value is indexed and matched as (numbers and booleans as written in JSON). */
export function fieldText(value: unknown): string {
  return String(value ?? '').slice(0, FIELD_VALUE_MAX);
}

/**
 * The indexed key of `name = value`: a 52-bit hash (a safe integer, exact in JS and in a BIGINT column). Two
 * different pairs share a key with odds of about one in 10^15 per pair, and searches re-check the line's own
 * fields, so a collision can cost a shorter page but never a wrong line.
 */
export function fieldKey(name: string, value: string): number {
  return keyOf(`${name}\u0000${value}`);
}

/** fieldKey with a bounded memo: field values repeat (users, methods, codes) far more than they vary. */
export class FieldKeyCache {
  private readonly keys = new Map<string, number>();

  constructor(private readonly capacity = 100_000) {}

  key(name: string, value: string): number {
    const text = `${name}\u0000${value}`;
    let key = this.keys.get(text);
    if (key === undefined) {
      key = keyOf(text);
      if (this.keys.size >= this.capacity) this.keys.clear();
      this.keys.set(text, key);
    }
    return key;
  }
}
