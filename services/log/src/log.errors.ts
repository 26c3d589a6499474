import { MsecError, ValidationError } from '@msec/contracts';

/** Stable codes raised by the log service. */
export const LogErrorCode = {
  validation: 'VALIDATION_FAILED',
  traceNotFound: 'LOG_TRACE_NOT_FOUND',
  colourRuleNotFound: 'LOG_COLOUR_RULE_NOT_FOUND',
} as const;
/** One of LogErrorCode. */
export type LogErrorCode = (typeof LogErrorCode)[keyof typeof LogErrorCode];

/** A request field is wrong; names it and the fix. */
export function invalidField(field: string, fix: string): ValidationError {
  return new ValidationError(field, fix);
}

/** No span of this trace is stored (unknown id, not yet ingested, or purged). */
export function traceNotFound(traceId: string): MsecError {
  return new MsecError(LogErrorCode.traceNotFound, `trace ${traceId} has no stored spans; check the id or widen retention`, {
    status: 404,
    data: { traceId },
  });
}

/** No colouring rule has this id. */
export function colourRuleNotFound(id: string): MsecError {
  return new MsecError(LogErrorCode.colourRuleNotFound, `colouring rule "${id}" does not exist; list the rules with msec.log.colour.list`, {
    status: 404,
    data: { id },
  });
}
