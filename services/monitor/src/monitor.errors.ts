import { MsecError, ValidationError } from '@msec/contracts';

/** Error codes of the monitor service. */
export const MonitorErrorCode = {
  validationFailed: 'VALIDATION_FAILED',
  ruleNotFound: 'MONITOR_RULE_NOT_FOUND',
  snapshotUnreadable: 'MONITOR_SNAPSHOT_UNREADABLE',
  shardUnavailable: 'MONITOR_SHARD_UNAVAILABLE',
} as const;
/** One of MonitorErrorCode. */
export type MonitorErrorCode = (typeof MonitorErrorCode)[keyof typeof MonitorErrorCode];

/** Bad query or rule input: names the field and the fix. */
export function invalidField(field: string, fix: string, data: Record<string, unknown> = {}): ValidationError {
  return new ValidationError(field, fix, data);
}

/** No alarm rule has this id. */
export function ruleNotFound(id: string): MsecError {
  return new MsecError(MonitorErrorCode.ruleNotFound, `alarm rule ${id} does not exist; list rules with msec.monitor.rules.list`, {
    status: 404,
    data: { id },
  });
}

/** A snapshot file cannot be parsed; the service starts from the stream instead. */
export function snapshotUnreadable(file: string, cause: unknown): MsecError {
  return new MsecError(MonitorErrorCode.snapshotUnreadable, `snapshot ${file} is unreadable; it was set aside and the stream is replayed`, {
    status: 500,
    data: { file },
    cause,
  });
}

/** Another monitor shard, which owns the service asked about, does not answer. */
export function shardUnavailable(shard: number, cause: unknown): MsecError {
  return new MsecError(
    MonitorErrorCode.shardUnavailable,
    `monitor shard ${shard} does not answer; start it (MSEC_MONITOR_SHARD=${shard})`,
    {
      status: 503,
      retryable: true,
      data: { shard },
      cause,
    },
  );
}
