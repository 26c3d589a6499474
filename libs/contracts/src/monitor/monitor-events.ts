import type { AlarmType } from './monitor-api.js';

/** Monitor event types, appended to the event stream under `monitor.alarm.<service>` and `monitor.rule.<service>`. */
export const MonitorEventType = {
  alarmFired: 'monitor.AlarmFired',
  alarmRecovered: 'monitor.AlarmRecovered',
  alarmRuleCreated: 'monitor.AlarmRuleCreated',
  alarmRuleUpdated: 'monitor.AlarmRuleUpdated',
  alarmRuleDeleted: 'monitor.AlarmRuleDeleted',
  alarmHeld: 'monitor.AlarmHeld',
  alarmRuleImported: 'monitor.AlarmRuleImported',
  alarmImported: 'monitor.AlarmImported',
} as const;
/** One of MonitorEventType. */
export type MonitorEventType = (typeof MonitorEventType)[keyof typeof MonitorEventType];

/** Event-store subjects (under the event stream) of the monitor's events. */
export const MonitorEventSubjects = {
  /** Alarm state changes of one service. */
  alarm: (service: string): string => `monitor.alarm.${service}`,
  /** Alarm rule changes of one service. */
  rule: (service: string): string => `monitor.rule.${service}`,
  /** Every monitor event. */
  all: 'monitor.>',
} as const;

/**
 * An alarm rule as its events carry it (version 2). The webhook URL stays private to the monitor (it may hold a
 * token): events carry its digest, and the monitor keeps the URL under that digest in its own table.
 */
export interface AlarmRuleEventPayload {
  id: string;
  service: string;
  attr: string;
  type: AlarmType;
  threshold: number;
  host: string | null;
  enabled: boolean;
  hasWebhook: boolean;
  /** sha256 (hex) of the webhook URL, or null without one. */
  webhookDigest: string | null;
}

/** An alarm episode as it stood when carried over from a database written before alarm events were complete. */
export interface AlarmImportedPayload {
  alarmId: string;
  ruleId: string;
  service: string;
  attr: string;
  host: string | null;
  type: AlarmType;
  threshold: number;
  state: 'active' | 'recovered';
  value: number | null;
  message: string;
  firstAt: string;
  lastAt: string;
  lastMinute: number;
  count: number;
  recoveredAt: string | null;
}

/** Payloads by monitor event type. */
export interface MonitorEventPayloads {
  'monitor.AlarmFired': {
    alarmId: string;
    ruleId: string;
    service: string;
    attr: string;
    host: string | null;
    type: AlarmType;
    threshold: number;
    value: number | null;
    message: string;
    /** ISO time of the minute that broke the rule. */
    at: string;
  };
  'monitor.AlarmRecovered': {
    alarmId: string;
    ruleId: string;
    service: string;
    attr: string;
    host: string | null;
    value: number | null;
    firstAt: string;
    /** ISO time of the first minute the rule held again. */
    recoveredAt: string;
    /** Minutes the alarm held. */
    minutes: number;
  };
  'monitor.AlarmRuleCreated': AlarmRuleEventPayload;
  'monitor.AlarmRuleUpdated': AlarmRuleEventPayload;
  'monitor.AlarmRuleDeleted': { id: string; service: string };
  'monitor.AlarmHeld': {
    alarmId: string;
    ruleId: string;
    service: string;
    value: number | null;
    message: string;
    /** ISO time of the minute judged. */
    at: string;
    /** Minutes the alarm has held, this one included. */
    count: number;
  };
  'monitor.AlarmRuleImported': AlarmRuleEventPayload & { createdAt: string; updatedAt: string };
  'monitor.AlarmImported': AlarmImportedPayload;
}
