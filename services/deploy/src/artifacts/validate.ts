import { ValidationError } from '@msec/contracts';

/** `First.Second`, letters/digits/underscore, each part starting with a letter (MSEC's service names). */
export const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/;
/** Version tags of IDL, config and packages. */
export const TAG = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

/** A required string matching pattern, or a ValidationError naming the field and the fix. */
export function requireString(body: Record<string, unknown> | null | undefined, field: string, pattern?: RegExp, fix?: string): string {
  const value = body?.[field];
  if (typeof value !== 'string' || value === '') throw new ValidationError(field, 'is required (a non-empty string)');
  if (pattern && !pattern.test(value)) throw new ValidationError(field, fix ?? `must match ${String(pattern)}`);
  return value;
}

/** An optional string (empty when absent). */
export function optionalString(body: Record<string, unknown> | null | undefined, field: string): string {
  const value = body?.[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  return value;
}

/** A service name. */
export function requireService(body: Record<string, unknown> | null | undefined): string {
  return requireString(body, 'service', SERVICE_NAME, 'must be First.Second (letters, digits, underscore; each part starts with a letter)');
}

/** A version tag. */
export function requireTag(body: Record<string, unknown> | null | undefined, field = 'tag'): string {
  return requireString(body, field, TAG, 'must be 1-64 of letters, digits, "_", ".", "+", "-", starting with a letter or digit');
}
