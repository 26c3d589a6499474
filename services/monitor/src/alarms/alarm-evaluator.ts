import { AlarmType } from '@msec/contracts';

/** What the evaluator needs of a rule. */
export interface JudgedRule {
  id: string;
  service: string;
  attr: string;
  host: string | null;
  type: AlarmType;
  threshold: number;
}

/** Reads one minute of a series (host null = service aggregate); undefined when nothing was reported. */
export type MinuteReader = (service: string, attr: string, host: string | null, minute: number) => number | undefined;

/** fire: a new alarm; hold: still in alarm; recover: an active alarm ended. */
export type AlarmAction = 'fire' | 'hold' | 'recover';

/** The evaluator's verdict on one rule. */
export interface AlarmDecision {
  rule: JudgedRule;
  action: AlarmAction;
  /** The epoch minute judged. */
  minute: number;
  value: number | null;
  message: string;
}

/** The minute judged at `nowMs`: the last one that ended at least `graceMs` ago. */
export function judgedMinute(nowMs: number, graceMs: number): number {
  return Math.floor((nowMs - graceMs) / 60_000) - 1;
}

function condition(
  rule: JudgedRule,
  read: MinuteReader,
  minute: number,
): { holds: boolean; value: number | null; message: string } | undefined {
  const where = `${rule.service} ${rule.attr}${rule.host === null ? '' : ` on ${rule.host}`}`;
  if (rule.type === AlarmType.nodata) {
    const minutes = Math.max(1, Math.floor(rule.threshold));
    for (let m = minute - minutes + 1; m <= minute; m++) {
      const v = read(rule.service, rule.attr, rule.host, m);
      if (v !== undefined) return { holds: false, value: v, message: `${where}: data again` };
    }
    return { holds: true, value: null, message: `${where}: no data for ${minutes} minute(s)` };
  }
  const value = read(rule.service, rule.attr, rule.host, minute);
  if (value === undefined) return undefined;
  switch (rule.type) {
    case AlarmType.max:
      return { holds: value > rule.threshold, value, message: `${where} = ${value}, above max ${rule.threshold}` };
    case AlarmType.min:
      return { holds: value < rule.threshold, value, message: `${where} = ${value}, below min ${rule.threshold}` };
    case AlarmType.wave: {
      const yesterday = read(rule.service, rule.attr, rule.host, minute - 1440);
      if (yesterday === undefined || yesterday === 0) return undefined;
      const change = ((value - yesterday) / Math.abs(yesterday)) * 100;
      return {
        holds: Math.abs(change) > rule.threshold,
        value,
        message: `${where} = ${value}, ${change >= 0 ? '+' : ''}${change.toFixed(1)} % against ${yesterday} yesterday (limit ±${rule.threshold} %)`,
      };
    }
    case AlarmType.diff:
    case AlarmType.diffUp:
    case AlarmType.diffDown: {
      const yesterday = read(rule.service, rule.attr, rule.host, minute - 1440);
      if (yesterday === undefined) return undefined;
      const change = value - yesterday;
      const beyond =
        rule.type === AlarmType.diffUp
          ? change > rule.threshold
          : rule.type === AlarmType.diffDown
            ? -change > rule.threshold
            : Math.abs(change) > rule.threshold;
      const limit =
        rule.type === AlarmType.diffUp
          ? `+${rule.threshold}`
          : rule.type === AlarmType.diffDown
            ? `-${rule.threshold}`
            : `±${rule.threshold}`;
      return {
        holds: beyond,
        value,
        message: `${where} = ${value}, ${change >= 0 ? '+' : ''}${change} against ${yesterday} yesterday (limit ${limit})`,
      };
    }
  }
  return undefined;
}

/**
 * Judges every rule on one minute: fire when the condition starts, hold while it lasts (no new event), recover when it ends.
 * A minute without data judges nothing (a `nodata` rule covers that). Pure: the clock and the series come in.
 */
export function evaluateAlarms(
  rules: readonly JudgedRule[],
  activeRuleIds: ReadonlySet<string>,
  read: MinuteReader,
  nowMs: number,
  graceMs: number,
): AlarmDecision[] {
  const minute = judgedMinute(nowMs, graceMs);
  const decisions: AlarmDecision[] = [];
  for (const rule of rules) {
    const verdict = condition(rule, read, minute);
    if (verdict === undefined) continue;
    const active = activeRuleIds.has(rule.id);
    if (verdict.holds) decisions.push({ rule, action: active ? 'hold' : 'fire', minute, value: verdict.value, message: verdict.message });
    else if (active) decisions.push({ rule, action: 'recover', minute, value: verdict.value, message: verdict.message });
  }
  return decisions;
}
