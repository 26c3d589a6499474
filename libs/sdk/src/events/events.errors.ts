import { MsecError } from '@msec/contracts';

/** Codes of the errors `sdk.events` raises itself (catalogue and bus codes pass through unchanged). */
export const EventsErrorCode = {
  notConfigured: 'EVENTS_NOT_CONFIGURED',
  connectFailed: 'EVENTS_CONNECT_FAILED',
} as const;
/** One of EventsErrorCode. */
export type EventsErrorCode = (typeof EventsErrorCode)[keyof typeof EventsErrorCode];

/** No NATS address: neither MSEC_NATS_URL nor `natsUrl` was given. */
export function eventsNotConfigured(): MsecError {
  return new MsecError(
    EventsErrorCode.notConfigured,
    'natsUrl: no NATS address; set MSEC_NATS_URL (the agent does) or pass { natsUrl } to new Events()',
    { status: 503, data: { field: 'natsUrl' } },
  );
}

/** NATS could not be reached on the first subscribe; the next call tries again. */
export function eventsConnectFailed(url: string, cause: unknown): MsecError {
  return new MsecError(
    EventsErrorCode.connectFailed,
    `could not connect to NATS at ${url}: ${cause instanceof Error ? cause.message : String(cause)}`,
    { status: 503, retryable: true, data: { natsUrl: url }, cause },
  );
}
