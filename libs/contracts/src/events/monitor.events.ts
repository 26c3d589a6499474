import { MonitorEventType } from '../monitor/monitor-events.js';
import type { EventDefinition } from './event-definition.js';

const OWNER = 'monitor';
const ALARM_SUBJECT = 'monitor.alarm.<service name>';
const RULE_SUBJECT = 'monitor.rule.<service name>';
const RULE_FIELDS = {
  id: 'string: the rule id',
  service: 'string: the service the rule watches',
  attr: 'string: the monitored attribute, e.g. latency_ms',
  type: 'string: max, min, wave, nodata, diff, diff-up or diff-down',
  threshold: 'number: the limit (a percentage for wave, minutes for nodata)',
  host: 'string or null: the one host judged, or null for the service as a whole',
  enabled: 'boolean: whether the rule is judged',
  hasWebhook: 'boolean: whether the rule posts to a webhook (the URL itself is not published)',
};
const RULE_EXAMPLE = {
  id: '5f0c1c9e-8d7b-4c52-9f57-2a7f1b1d0e11',
  service: 'Flight.mod_flight',
  attr: 'latency_ms',
  type: 'max',
  threshold: 250,
  host: null,
  enabled: true,
  hasWebhook: false,
};

/** The monitor's events: alarm state changes and alarm rule changes. */
export const monitorEventDefinitions: EventDefinition[] = [
  {
    type: MonitorEventType.alarmFired,
    version: 1,
    owner: OWNER,
    subject: ALARM_SUBJECT,
    description: "An alarm rule's condition started to hold: a new alarm is active.",
    fields: {
      alarmId: 'string: the alarm id (the same in its AlarmRecovered event)',
      ruleId: 'string: the rule that fired',
      service: 'string: the service watched',
      attr: 'string: the monitored attribute',
      host: 'string or null: the host judged, or null for the service as a whole',
      type: 'string: the rule type (max, min, wave, nodata, diff, diff-up, diff-down)',
      threshold: 'number: the rule threshold',
      value: 'number or null: the value of the minute that broke the rule (null when nothing was reported)',
      message: 'string: a sentence describing the breach',
      at: 'string: ISO time of that minute',
    },
    example: {
      alarmId: 'a3e5e1f2-6b0e-4a53-a1c9-07b0a2c3d4e5',
      ruleId: RULE_EXAMPLE.id,
      service: 'Flight.mod_flight',
      attr: 'latency_ms',
      host: null,
      type: 'max',
      threshold: 250,
      value: 412,
      message: 'Flight.mod_flight latency_ms = 412, above max 250',
      at: '2026-12-04T10:31:00.000Z',
    },
  },
  {
    type: MonitorEventType.alarmRecovered,
    version: 1,
    owner: OWNER,
    subject: ALARM_SUBJECT,
    description: 'An active alarm recovered: its rule held again.',
    fields: {
      alarmId: 'string: the alarm id (as in its AlarmFired event)',
      ruleId: 'string: the rule',
      service: 'string: the service watched',
      attr: 'string: the monitored attribute',
      host: 'string or null: the host judged, or null for the service as a whole',
      value: 'number or null: the value of the first minute within the rule',
      firstAt: 'string: ISO time the alarm started',
      recoveredAt: 'string: ISO time of the first minute within the rule',
      minutes: 'number: how many minutes the alarm held',
    },
    example: {
      alarmId: 'a3e5e1f2-6b0e-4a53-a1c9-07b0a2c3d4e5',
      ruleId: RULE_EXAMPLE.id,
      service: 'Flight.mod_flight',
      attr: 'latency_ms',
      host: null,
      value: 120,
      firstAt: '2026-12-04T10:31:00.000Z',
      recoveredAt: '2026-12-04T10:36:00.000Z',
      minutes: 5,
    },
  },
  {
    type: MonitorEventType.alarmRuleCreated,
    version: 1,
    owner: OWNER,
    subject: RULE_SUBJECT,
    description: 'An alarm rule was created.',
    fields: RULE_FIELDS,
    example: RULE_EXAMPLE,
  },
  {
    type: MonitorEventType.alarmRuleUpdated,
    version: 1,
    owner: OWNER,
    subject: RULE_SUBJECT,
    description: 'An alarm rule was changed; the payload is the rule as it now stands.',
    fields: RULE_FIELDS,
    example: { ...RULE_EXAMPLE, threshold: 300 },
  },
  {
    type: MonitorEventType.alarmRuleDeleted,
    version: 1,
    owner: OWNER,
    subject: RULE_SUBJECT,
    description: 'An alarm rule was deleted; its active alarm, if any, is no longer judged.',
    fields: { id: 'string: the rule id', service: 'string: the service the rule watched' },
    example: { id: RULE_EXAMPLE.id, service: 'Flight.mod_flight' },
  },
];
