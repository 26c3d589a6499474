import type { AlarmView, CurveReply } from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import { authenticatedClient } from '../api/api-target.js';
import { processIo, type CliIo } from '../api/cli-io.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { apiTarget } from './login.js';
import { changeRule, describeRule, listRules, RULES_USAGE } from './monitor-rules.js';

/** Usage of `msec monitor`. */
export const MONITOR_USAGE = `usage: ./msec monitor <subcommand> [--json] [--url URL]

  show SERVICE ATTR [--host H] [--day YYYY-MM-DD] [--minutes N]
                     one attribute's day (UTC): a sparkline of today, yesterday and a week ago,
                     the last N minutes with data (default 10) and the day totals
  alarms [--all] [--service NAME]
                     active alarms, or with --all the history too
${RULES_USAGE}

  --json prints the API's reply as JSON. Needs ./msec login (or MSEC_TOKEN).`;

/** Flags of `msec monitor` that take no value (the dispatcher's parseArgs must know them). */
export const MONITOR_BOOLEAN_FLAGS = ['json', 'all'] as const;

/** Width of a day sparkline: one character per 20 minutes. */
const SPARK_WIDTH = 72;
const BARS = '▁▂▃▄▅▆▇█';

type Values = readonly (number | null)[];

function flag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw badArgs(name, 'needs a value', MONITOR_USAGE);
  return value;
}

/** Sum of the minutes with data, the largest one, and how many there are. */
export function dayFigures(values: Values | undefined): { total: number; max: number | null; minutes: number } {
  let total = 0;
  let max: number | null = null;
  let minutes = 0;
  for (const v of values ?? []) {
    if (v === null) continue;
    total += v;
    minutes += 1;
    max = max === null ? v : Math.max(max, v);
  }
  return { total: Math.round(total * 1000) / 1000, max, minutes };
}

/**
 * A day as a text sparkline: `width` buckets, each the sum (sum attributes) or max (others) of its minutes, scaled to
 * the largest bucket of all the lines drawn together (`scaleMax`) so lines compare; a space where nothing was reported.
 */
export function sparkline(values: Values, isSum: boolean, scaleMax: number, width = SPARK_WIDTH): string {
  const per = Math.ceil(values.length / width);
  let line = '';
  for (let b = 0; b < width; b++) {
    const bucket = bucketValue(values.slice(b * per, (b + 1) * per), isSum);
    if (bucket === null) line += ' ';
    else line += BARS[scaleMax <= 0 ? 0 : Math.min(BARS.length - 1, Math.max(0, Math.round((bucket / scaleMax) * (BARS.length - 1))))];
  }
  return line.replace(/\s+$/, '');
}

function bucketValue(slice: Values, isSum: boolean): number | null {
  const present = slice.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  return isSum ? present.reduce((a, b) => a + b, 0) : Math.max(...present);
}

function bucketMax(values: Values | undefined, isSum: boolean, width: number): number {
  if (!values) return 0;
  const per = Math.ceil(values.length / width);
  let max = 0;
  for (let b = 0; b < width; b++) max = Math.max(max, bucketValue(values.slice(b * per, (b + 1) * per), isSum) ?? 0);
  return max;
}

const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const num = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : String(v));

/** The readable form of a curve reply: header, sparklines, the last `minutes` minutes with data, totals. */
export function formatCurve(c: CurveReply, minutes = 10): string {
  const isSum = c.kind === 'sum';
  const lines: [string, Values | undefined][] = [
    ['today', c.values],
    ['yesterday', c.yesterday],
    ['a week ago', c.weekAgo],
  ];
  const scale = Math.max(...lines.map(([, v]) => bucketMax(v, isSum, SPARK_WIDTH)));
  const out = [`${c.service} ${c.attr}  (${c.host ?? 'all hosts'}, ${c.day} UTC, ${c.kind ?? 'nothing reported'})`];
  if (c.kind === null) return `${out[0]}\n\nNothing reported for this attribute${c.host ? ' on this host' : ''}.`;
  out.push('', `${''.padEnd(10)}  ${'00'.padEnd(18)}${'06'.padEnd(18)}${'12'.padEnd(18)}18`);
  for (const [label, values] of lines) if (values) out.push(`${label.padEnd(10)}  ${sparkline(values, isSum, scale) || '(no data)'}`);

  const withData: number[] = [];
  for (let m = c.values.length - 1; m >= 0 && withData.length < minutes; m--) if (c.values[m] !== null) withData.unshift(m);
  if (withData.length > 0) {
    out.push(
      '',
      textTable(
        ['minute', 'today', 'yesterday', 'week ago'],
        withData.map((m) => [hhmm(m), num(c.values[m]), num(c.yesterday?.[m]), num(c.weekAgo?.[m])]),
      ),
    );
  }
  const what = isSum ? 'total' : 'max';
  const figure = (values: Values | undefined): string => {
    if (!values) return 'not asked';
    const f = dayFigures(values);
    return f.minutes === 0 ? '—' : `${isSum ? f.total : f.max} (${f.minutes} min with data)`;
  };
  out.push('', `day ${what}: today ${figure(c.values)}; yesterday ${figure(c.yesterday)}; a week ago ${figure(c.weekAgo)}`);
  return out.join('\n');
}

/** Alarms as a table. */
export function formatAlarms(alarms: AlarmView[], all: boolean): string {
  if (alarms.length === 0) return all ? 'No alarms yet.' : 'No active alarms: everything is within its limits.';
  return textTable(
    ['state', 'service', 'attr', 'host', 'rule', 'value', 'minutes', 'since', 'last'],
    alarms.map((a) => [
      a.state,
      a.service,
      a.attr,
      a.host ?? 'all',
      describeRule(a),
      num(a.value),
      String(a.count),
      a.firstAt.slice(0, 16).replace('T', ' '),
      (a.recoveredAt ?? a.lastAt).slice(0, 16).replace('T', ' '),
    ]),
  );
}

/** `msec monitor show SERVICE ATTR [--host H] [--day YYYY-MM-DD] [--minutes N] [--json]`. Returns the exit code. */
export async function monitorShow(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  const [service, attr] = args.positionals.slice(1);
  if (!service || !attr) throw badArgs(service ? 'ATTR' : 'SERVICE', 'is missing: ./msec monitor show SERVICE ATTR', MONITOR_USAGE);
  const host = flag(args, 'host');
  const day = flag(args, 'day');
  const minutesText = flag(args, 'minutes') ?? '10';
  const minutes = Number(minutesText);
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 1440)
    throw badArgs('minutes', `must be a whole number from 0 to 1440; got ${JSON.stringify(minutesText)}`);
  const query = new URLSearchParams({ service, attr, compare: 'yesterday,weekAgo' });
  if (host) query.set('host', host);
  if (day) query.set('day', day);
  const curve = await authenticatedClient(apiTarget(config, args, io)).request<CurveReply>('GET', `/api/v1/monitoring/curve?${query}`);
  io.out(args.flags.json === true ? JSON.stringify(curve, null, 2) : formatCurve(curve, minutes));
  return 0;
}

/** `msec monitor alarms [--all] [--service NAME] [--json]`: active alarms, or all of them. Returns the exit code. */
export async function monitorAlarms(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  const all = args.flags.all === true;
  const query = new URLSearchParams({ state: all ? 'all' : 'active' });
  const service = flag(args, 'service');
  if (service) query.set('service', service);
  const reply = await authenticatedClient(apiTarget(config, args, io)).request<{ items: AlarmView[] }>('GET', `/api/v1/alarms?${query}`);
  io.out(args.flags.json === true ? JSON.stringify(reply.items, null, 2) : formatAlarms(reply.items, all));
  return 0;
}

/** `msec monitor <show|alarms> …`: dispatches to the subcommand. Returns the exit code. */
export async function monitor(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  const sub = args.positionals[0];
  if (sub === undefined || sub === 'help' || args.flags.help === true) {
    io.out(MONITOR_USAGE);
    return sub === undefined ? 1 : 0;
  }
  if (sub === 'show') return monitorShow(config, args, io);
  if (sub === 'alarms') return monitorAlarms(config, args, io);
  if (sub === 'rules') return listRules(authenticatedClient(apiTarget(config, args, io)), args, io, MONITOR_USAGE);
  if (sub === 'rule') return changeRule(authenticatedClient(apiTarget(config, args, io)), args, io, MONITOR_USAGE);
  throw badArgs('subcommand', `"${sub}" is not a monitor subcommand`, MONITOR_USAGE);
}
