import { LogEventType } from '../log/log-events.js';
import type { EventDefinition } from './event-definition.js';

const OWNER = 'log';

/** The log service's events: colouring rules and trace sampling set from the console. */
export const logEventDefinitions: EventDefinition[] = [
  {
    type: LogEventType.colourRuleSet,
    version: 1,
    owner: OWNER,
    subject: 'log.colour',
    description: 'A colouring rule was added or replaced: requests matching it are logged at every level and traced.',
    fields: {
      id: 'string: the rule id chosen by its author',
      field: 'string: the request field matched, e.g. name, or traceId for one request',
      value: 'string: the value matched',
      expiresAt: 'number or null: epoch ms after which the rule stops applying, or null for no expiry',
    },
    example: { id: 'user-bison', field: 'name', value: 'bison', expiresAt: null },
  },
  {
    type: LogEventType.colourRuleDeleted,
    version: 1,
    owner: OWNER,
    subject: 'log.colour',
    description: 'A colouring rule was deleted.',
    fields: { id: 'string: the rule id' },
    example: { id: 'user-bison' },
  },
  {
    type: LogEventType.traceSamplingSet,
    version: 1,
    owner: OWNER,
    subject: 'log.sampling',
    description: "A service's trace sampling was set from the console; it overrides the service's environment.",
    fields: {
      service: 'string: the service whose entry module samples',
      rate: 'number: share of entering requests traced, 0 to 1',
      maxPerSecond: 'number: most traces one process of the service starts per second',
    },
    example: { service: 'Flight.mod_flight', rate: 0.05, maxPerSecond: 50 },
  },
  {
    type: LogEventType.traceSamplingRemoved,
    version: 1,
    owner: OWNER,
    subject: 'log.sampling',
    description: "A service's trace sampling setting was removed: its environment applies again.",
    fields: { service: 'string: the service' },
    example: { service: 'Flight.mod_flight' },
  },
];
