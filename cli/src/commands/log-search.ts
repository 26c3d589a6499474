import type { LogLine, TraceNode, TraceView } from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import { authenticatedClient } from '../api/api-target.js';
import { processIo, type CliIo } from '../api/cli-io.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { apiTarget } from './login.js';

/** Usage of `msec logs search`. */
export const LOGS_SEARCH_USAGE = `usage: ./msec logs search [--service S] [--host H] [--instance I] [--level L[,L…]] [--min-level L]
                          [--trace ID] [--field k=v]… [--text T] [--from ISO] [--to ISO] [--limit N] [--json]

  Log lines from every host, newest first (GET /api/v1/logs). Filters combine with AND:
  --level ERROR,WARN exactly these levels; --min-level WARN this level and above; --field name=bison a user
  field (repeat up to 5 times); --text a message substring (case-insensitive); --from/--to ISO 8601 times
  or epoch ms. --limit N lines (default 50, up to 5000; pages of 200 are followed). Needs ./msec login.`;

/** Usage of `msec trace`. */
export const TRACE_USAGE = `usage: ./msec trace TRACE_ID [--mermaid] [--json]

  One request's call tree with timings and a text waterfall (GET /api/v1/traces/TRACE_ID);
  --mermaid prints the Mermaid flow chart and gantt chart instead. Needs ./msec login.`;

/** Flags of `msec logs search` and `msec trace` that take no value (the dispatcher's parseArgs must know them). */
export const LOG_SEARCH_BOOLEAN_FLAGS = ['json', 'mermaid'] as const;

/** Largest `--limit`, and the page size asked of the API. */
const MAX_LIMIT = 5000;
const PAGE = 200;
/** Width of a waterfall bar in characters. */
const BAR_WIDTH = 40;

function flag(args: ParsedArgs, name: string, usage: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw badArgs(name, 'needs a value', usage);
  return value;
}

/** Every value of a repeatable `--name v` / `--name=v` in argv (parseArgs keeps only the last one). */
export function repeatedFlag(argv: readonly string[] | undefined, name: string, fallback: string | true | undefined): string[] {
  if (!argv) return typeof fallback === 'string' ? [fallback] : [];
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') break;
    if (word === `--${name}` && argv[i + 1] !== undefined) values.push(argv[++i]!);
    else if (word.startsWith(`--${name}=`)) values.push(word.slice(name.length + 3));
  }
  return values;
}

/** The REST query of a search from the command line (without limit and cursor). */
export function searchQuery(args: ParsedArgs, argv?: readonly string[]): URLSearchParams {
  const q = new URLSearchParams();
  const simple: [string, string][] = [
    ['service', 'service'],
    ['host', 'host'],
    ['instance', 'instance'],
    ['level', 'level'],
    ['min-level', 'minLevel'],
    ['trace', 'traceId'],
    ['text', 'text'],
    ['from', 'from'],
    ['to', 'to'],
  ];
  for (const [name, param] of simple) {
    const value = flag(args, name, LOGS_SEARCH_USAGE);
    if (value !== undefined) q.set(param, param === 'level' || param === 'minLevel' ? value.toUpperCase() : value);
  }
  for (const field of repeatedFlag(argv, 'field', args.flags.field)) {
    if (field.indexOf('=') < 1) throw badArgs('field', `must be name=value, e.g. --field name=bison; got ${JSON.stringify(field)}`);
    q.append('field', field);
  }
  return q;
}

function fieldText(fields: LogLine['fields']): string {
  return Object.entries(fields ?? {})
    .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

/** Lines as a table, newest first: time (UTC), level, service, host, message with its fields and trace id. */
export function formatLines(lines: readonly LogLine[]): string {
  if (lines.length === 0) return 'No log lines match.';
  return textTable(
    ['time (UTC)', 'level', 'service', 'host', 'message'],
    lines.map((l) => {
      const extra = [fieldText(l.fields), l.traceId ? `trace=${l.traceId}` : ''].filter(Boolean).join(' ');
      return [
        new Date(l.ts).toISOString().replace('T', ' ').slice(0, 23),
        l.level,
        l.service,
        l.host,
        extra ? `${l.message}  ${extra}` : l.message,
      ];
    }),
  );
}

/** `msec logs search …`: log lines matching the filters, newest first. Returns the exit code. */
export async function logsSearch(
  config: Pick<LauncherConfig, 'homeDir'>,
  args: ParsedArgs,
  io: CliIo = processIo(),
  argv?: readonly string[],
): Promise<number> {
  if (args.flags.help === true) {
    io.out(LOGS_SEARCH_USAGE);
    return 0;
  }
  const limitText = flag(args, 'limit', LOGS_SEARCH_USAGE) ?? '50';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw badArgs('limit', `must be a whole number from 1 to ${MAX_LIMIT}; got ${JSON.stringify(limitText)}`);
  const query = searchQuery(args, argv);
  const client = authenticatedClient(apiTarget(config, args, io));
  const lines: LogLine[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams(query);
    q.set('limit', String(Math.min(PAGE, limit - lines.length)));
    if (cursor) q.set('cursor', cursor);
    const page: { items: LogLine[]; nextCursor: string | null } = await client.request('GET', `/api/v1/logs?${q}`);
    lines.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && lines.length < limit);
  io.out(args.flags.json === true ? JSON.stringify(lines, null, 2) : formatLines(lines));
  return 0;
}

const ms = (v: number): string => `${Math.round(v * 100) / 100} ms`;

/** A text bar of `width` characters: blank until the offset, filled for the duration. */
export function waterfallBar(offset: number, duration: number, total: number, width = BAR_WIDTH): string {
  if (total <= 0) return '█'.padEnd(width, ' ');
  const start = Math.min(width - 1, Math.floor((offset / total) * width));
  const length = Math.max(1, Math.round((duration / total) * width));
  return (' '.repeat(start) + '█'.repeat(Math.min(length, width - start))).padEnd(width, ' ');
}

/** A trace as a call tree with timings, followed by a text waterfall. */
export function formatTrace(view: TraceView): string {
  const out = [`trace ${view.traceId}: ${view.spanCount} spans, ${ms(view.duration)}, started ${new Date(view.start).toISOString()}`, ''];
  const walk = (nodes: TraceNode[], prefix: string): void => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      const s = n.span;
      const status = s.status === 'error' ? `ERROR${s.errorCode ? ` ${s.errorCode}` : ''}` : 'ok';
      out.push(
        `${prefix}${last ? '└─ ' : '├─ '}${s.caller} → ${s.callee} ${s.method}  +${ms(n.offset)}  ${ms(s.duration)}  ${status}${s.host ? `  ${s.host}` : ''}`,
      );
      walk(n.children, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(view.roots, '');
  out.push(
    '',
    textTable(
      ['span', `timeline (0 to ${ms(view.duration)})`, 'offset', 'duration'],
      view.waterfall.map((w) => [
        `${'  '.repeat(w.depth)}${w.label}${w.status === 'error' ? ' ✖' : ''}`,
        `|${waterfallBar(w.offset, w.duration, view.duration)}|`,
        `+${ms(w.offset)}`,
        ms(w.duration),
      ]),
    ),
  );
  return out.join('\n');
}

/** `msec trace TRACE_ID [--mermaid] [--json]`: one trace's call tree with timings. Returns the exit code. */
export async function trace(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  const traceId = args.positionals[0];
  if (args.flags.help === true || traceId === 'help') {
    io.out(TRACE_USAGE);
    return 0;
  }
  if (!traceId) throw badArgs('TRACE_ID', 'is missing: ./msec trace TRACE_ID', TRACE_USAGE);
  const view = await authenticatedClient(apiTarget(config, args, io)).request<TraceView>(
    'GET',
    `/api/v1/traces/${encodeURIComponent(traceId)}`,
  );
  if (args.flags.json === true) io.out(JSON.stringify(view, null, 2));
  else if (args.flags.mermaid === true) io.out(`${view.mermaidFlow}\n\n${view.mermaidWaterfall}`);
  else io.out(formatTrace(view));
  return 0;
}
