import type { RpcStatSide } from './call-record.js';
import type { StatKind } from './monitor-stats.js';

/** A day as `YYYY-MM-DD` (UTC); queries default to today. */
export type MonitorDay = string;

/** Request of `msec.monitor.curve`: one attribute's 1440 minutes, for the service (sum over hosts) or one host. */
export interface CurveRequest {
  service: string;
  attr: string;
  /** Omit for the service aggregate. */
  host?: string;
  day?: MonitorDay;
  /** Extra lines to return: the day before and/or seven days before. */
  compare?: ('yesterday' | 'weekAgo')[];
}

/** One day of minutes; null where nothing was reported. */
export type MinuteValues = (number | null)[];

/** Reply of `msec.monitor.curve`. */
export interface CurveReply {
  service: string;
  attr: string;
  host: string | null;
  day: MonitorDay;
  kind: StatKind | null;
  values: MinuteValues;
  yesterday?: MinuteValues;
  weekAgo?: MinuteValues;
}

/** Request of `msec.monitor.totals`: each attribute's value over a whole day. */
export interface TotalsRequest {
  service: string;
  host?: string;
  day?: MonitorDay;
}

/** One attribute's day value: the sum for sum attributes, else the max/min/mean/last of the day. */
export interface AttrTotal {
  attr: string;
  kind: StatKind;
  value: number;
  minutesWithData: number;
}

/** Reply of `msec.monitor.totals`. */
export interface TotalsReply {
  service: string;
  host: string | null;
  day: MonitorDay;
  totals: AttrTotal[];
}

/** Request of `msec.monitor.top`: the N attributes with the largest day totals (sum attributes). */
export interface TopRequest {
  service: string;
  day?: MonitorDay;
  n?: number;
}

/** Request of `msec.monitor.calls`: caller → callee → method table for a day, or for the minutes of [from, to). */
export interface CallsRequest {
  day?: MonitorDay;
  /** Epoch ms; with `to`, replaces `day` (whole minutes, at most 31 days). */
  from?: number;
  to?: number;
  caller?: string;
  callee?: string;
}

/** One row of the call table. */
export interface CallRow {
  caller: string;
  callee: string;
  method: string;
  requests: number;
  failures: number;
  failuresByCode: Record<string, number>;
  /** Percentiles (ms) estimated from the merged latency histogram; null without data. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Mean (ms) estimated from the histogram (each call at its bucket's middle); null without data. */
  avgMs: number | null;
  /** Upper bound (ms) of the highest bucket with calls (the open last bucket: its lower bound); null without data. */
  maxMs: number | null;
  /**
   * Which side counted the row: `callee` (every request that reached the callee, from any client) where the callee
   * reports statistics, else `caller` (which also counts calls that never reached it).
   */
  side: RpcStatSide;
}

/** Reply of `msec.monitor.calls`. */
export interface CallsReply {
  /** The day asked for, or the day `from` falls in. */
  day: MonitorDay;
  /** The range counted, when one was asked for. */
  from?: number;
  to?: number;
  rows: CallRow[];
}

/** Reply of `msec.monitor.attrs`. */
export interface AttrInfo {
  attr: string;
  kind: StatKind;
  hosts: number;
}

/** Alarm rule types. */
export const AlarmType = {
  /** value > threshold. */
  max: 'max',
  /** value < threshold. */
  min: 'min',
  /** |value − same minute yesterday| / yesterday × 100 > threshold (percent). */
  wave: 'wave',
  /** nothing reported for `threshold` consecutive minutes. */
  nodata: 'nodata',
  /** |value − same minute yesterday| > threshold (absolute, MSEC's DIFF), either direction. */
  diff: 'diff',
  /** value − same minute yesterday > threshold: a rise only. */
  diffUp: 'diff-up',
  /** same minute yesterday − value > threshold: a drop only. */
  diffDown: 'diff-down',
} as const;
/** One of AlarmType. */
export type AlarmType = (typeof AlarmType)[keyof typeof AlarmType];

/** Input of `msec.monitor.rules.create` (and, with id, `...update`). */
export interface AlarmRuleInput {
  service: string;
  attr: string;
  type: AlarmType;
  threshold: number;
  /** Judge one host instead of the service aggregate. */
  host?: string | null;
  /** http(s) URL POSTed the alarm and recovery events. */
  webhookUrl?: string | null;
  enabled?: boolean;
}

/** A stored alarm rule. */
export interface AlarmRuleView {
  id: string;
  service: string;
  attr: string;
  type: AlarmType;
  threshold: number;
  host: string | null;
  webhookUrl: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** States of an alarm. */
export const AlarmState = { active: 'active', recovered: 'recovered' } as const;
/** One of AlarmState. */
export type AlarmState = (typeof AlarmState)[keyof typeof AlarmState];

/** An alarm: one episode of a rule's condition holding, with first/last minute and how many minutes it held. */
export interface AlarmView {
  id: string;
  ruleId: string;
  service: string;
  attr: string;
  host: string | null;
  type: AlarmType;
  threshold: number;
  state: AlarmState;
  /** Value at the last judged minute. */
  value: number | null;
  message: string;
  firstAt: string;
  lastAt: string;
  count: number;
  recoveredAt: string | null;
}

/** Payload of `msec.events.monitor.alarm` and `msec.events.monitor.recovered`. */
export interface AlarmEvent {
  kind: 'alarm' | 'recovered';
  alarm: AlarmView;
}

/** Request of `msec.monitor.alarms.list`. */
export interface AlarmsListRequest {
  state?: AlarmState | 'all';
  service?: string;
  limit?: number;
}
