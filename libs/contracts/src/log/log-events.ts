/** Log service event types, appended to the event stream under `log.colour` and `log.sampling`. */
export const LogEventType = {
  colourRuleSet: 'log.ColourRuleSet',
  colourRuleDeleted: 'log.ColourRuleDeleted',
  traceSamplingSet: 'log.TraceSamplingSet',
  traceSamplingRemoved: 'log.TraceSamplingRemoved',
} as const;
/** One of LogEventType. */
export type LogEventType = (typeof LogEventType)[keyof typeof LogEventType];

/** Event-store subjects (under the event stream) of the log service's events: one aggregate each. */
export const LogEventSubjects = {
  /** Every colouring rule change. */
  colour: 'log.colour',
  /** Every trace sampling change. */
  sampling: 'log.sampling',
  /** Every log service event. */
  all: 'log.>',
} as const;

/** Payloads by log event type. */
export interface LogEventPayloads {
  'log.ColourRuleSet': { id: string; field: string; value: string; expiresAt: number | null };
  'log.ColourRuleDeleted': { id: string };
  'log.TraceSamplingSet': { service: string; rate: number; maxPerSecond: number };
  'log.TraceSamplingRemoved': { service: string };
}
