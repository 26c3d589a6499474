import { MsecError } from '@msec/contracts';

/** Stable codes raised by @msec/persistence. */
export const PersistenceErrorCode = {
  badUrl: 'PERSISTENCE_BAD_URL',
  connectFailed: 'PERSISTENCE_CONNECT_FAILED',
} as const;
/** One of PersistenceErrorCode. */
export type PersistenceErrorCode = (typeof PersistenceErrorCode)[keyof typeof PersistenceErrorCode];

/** The database URL could not be understood; names the setting and the accepted forms. */
export function badDatabaseUrl(setting: string, value: string, reason: string): MsecError {
  return new MsecError(
    PersistenceErrorCode.badUrl,
    `${setting}: ${reason}; use mysql://user:password@host:port/database or sqlite:/path/to/file.sqlite (got "${value}")`,
    {
      status: 400,
      data: { field: setting },
    },
  );
}

/** The database did not accept a connection. */
export function connectFailed(target: string, cause: unknown): MsecError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new MsecError(PersistenceErrorCode.connectFailed, `cannot open database ${target}: ${detail}`, {
    status: 503,
    retryable: true,
    cause,
  });
}
