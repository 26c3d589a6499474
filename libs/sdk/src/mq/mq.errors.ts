import { MsecError } from '@msec/contracts';

/** Codes of the errors `sdk.mq` raises itself (the bus's own codes pass through unchanged). */
export const MqErrorCode = {
  notConfigured: 'MQ_NOT_CONFIGURED',
  connectFailed: 'MQ_CONNECT_FAILED',
} as const;
/** One of MqErrorCode. */
export type MqErrorCode = (typeof MqErrorCode)[keyof typeof MqErrorCode];

/** No NATS address: neither MSEC_NATS_URL nor `natsUrl` was given. */
export function mqNotConfigured(): MsecError {
  return new MsecError(
    MqErrorCode.notConfigured,
    'natsUrl: no NATS address; set MSEC_NATS_URL (the agent does) or pass { natsUrl } to new Mq()',
    {
      status: 503,
      data: { field: 'natsUrl' },
    },
  );
}

/** NATS could not be reached on the first use; the next call tries again. */
export function mqConnectFailed(url: string, cause: unknown): MsecError {
  return new MsecError(
    MqErrorCode.connectFailed,
    `could not connect to NATS at ${url}: ${cause instanceof Error ? cause.message : String(cause)}`,
    {
      status: 503,
      retryable: true,
      data: { natsUrl: url },
      cause,
    },
  );
}
