/**
 * Cluster-wide rate limits: the instances of a service count the calls each admitted per method and second in one
 * KV bucket (the registry creates it; entries expire after a minute). Each service may read and write only its own keys.
 */
export const RATE_QUOTA_BUCKET = 'msec_quota';

/** Seconds an entry of RATE_QUOTA_BUCKET is kept: counts of past seconds are not read again. */
export const RATE_QUOTA_TTL_SECONDS = 60;

/**
 * The separator token after the service name in a quota key. Service names hold only letters, digits, '-' and '_', so
 * no service's keys (`<service>.=.…`) lie under another's prefix (`A.b.=.>` does not cover `A.b.c.=.…`).
 */
const OWN_KEYS = '=';

/** The keys of a service's quota counts: what its identity may use. */
export function rateQuotaKeyPrefix(service: string): string {
  return `${service}.${OWN_KEYS}`;
}

/** The count of one method (`*`: every method without its own limit) in one second (whole seconds since the epoch). */
export function rateQuotaKey(service: string, method: string, window: number): string {
  const methodPart = method === '*' ? 'all' : method.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${rateQuotaKeyPrefix(service)}.${window}.${methodPart}`;
}
