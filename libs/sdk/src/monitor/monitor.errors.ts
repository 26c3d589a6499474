import { ValidationError } from '@msec/contracts';

/** Error codes of the SDK's monitor reporter (bad options only: reporting itself never throws). */
export const MonitorReporterErrorCode = {
  validationFailed: 'VALIDATION_FAILED',
} as const;
/** One of MonitorReporterErrorCode. */
export type MonitorReporterErrorCode = (typeof MonitorReporterErrorCode)[keyof typeof MonitorReporterErrorCode];

/** A reporter option is wrong: names the option and the fix. */
export function badReporterOption(field: string, fix: string): ValidationError {
  return new ValidationError(field, fix);
}
