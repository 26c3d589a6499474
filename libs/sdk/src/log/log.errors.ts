import { MsecError, ValidationError } from '@msec/contracts';

/** Stable codes raised by the SDK logger. */
export const SdkLogErrorCode = {
  badOption: 'VALIDATION_FAILED',
  closed: 'SDK_LOG_CLOSED',
} as const;
/** One of SdkLogErrorCode. */
export type SdkLogErrorCode = (typeof SdkLogErrorCode)[keyof typeof SdkLogErrorCode];

/** A logger option is wrong; names the option and the fix. */
export function badLogOption(option: string, fix: string): ValidationError {
  return new ValidationError(option, fix);
}

/** The logger was closed; flushing again is pointless. */
export function loggerClosed(): MsecError {
  return new MsecError(SdkLogErrorCode.closed, 'the logger is closed; create a new one', { status: 409 });
}
