/** Minutes in a day. */
export const MINUTES_PER_DAY = 1440;

/** Epoch minute (UTC) of a time in ms. */
export function epochMinute(ms: number): number {
  return Math.floor(ms / 60_000);
}

/** Day number (days since 1970-01-01 UTC) of an epoch minute. */
export function dayOfMinute(minute: number): number {
  return Math.floor(minute / MINUTES_PER_DAY);
}

/** `YYYY-MM-DD` of a day number. */
export function formatDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** Day number of `YYYY-MM-DD`, or undefined when it is not a valid date. */
export function parseDay(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || formatDay(ms / 86_400_000) !== text ? undefined : ms / 86_400_000;
}
