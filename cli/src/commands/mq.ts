import type { BusCancelReply, BusConsumerView, BusDeadLetterView, BusPublishReply, BusStreamView, BusTraceView } from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import { authenticatedClient } from '../api/api-target.js';
import { processIo, type CliIo } from '../api/cli-io.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { apiTarget } from './login.js';

/** Usage of `msec mq`. */
export const MQ_USAGE = `usage: ./msec mq <subcommand> [--json] [--url URL]

  publish SUBJECT JSON [--tag T]... [--delay MS | --at ISO] [--id MSGID]
                                   publish a message (tags: repeat --tag or --tag a,b; at most 10)
  streams                          the bus streams, then the consumer groups of MSEC_MQ with their lag
  dlq [--group G] [--subject S]    dead letters, oldest first
  inspect ID [--group G]           a dead letter's content, headers, attempts and reason
  redrive ID [--group G]           send a dead letter back to the group(s) that failed it (admin)
  discard ID --group G             delete a group's dead letter for good (admin)
  trace ID                         a message's publish, dispatch and every delivery attempt
  cancel ID                        withdraw a delayed or scheduled message before it is due (developer)

  --json prints the API's reply as JSON. Needs ./msec login (or MSEC_TOKEN); publish needs the
  developer role, redrive and discard the admin role.`;

/** Flags of `msec mq` that take no value (the dispatcher's parseArgs must know them). */
export const MQ_BOOLEAN_FLAGS = ['json'] as const;

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

function flag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw badArgs(name, 'needs a value', MQ_USAGE);
  return value;
}

function needs(args: ParsedArgs, count: number, what: string): string[] {
  const words = args.positionals.slice(1);
  if (words.length < count) throw badArgs(what, `is missing: ./msec mq ${args.positionals[0]} ${what}`, MQ_USAGE);
  return words;
}

/** Every `--tag` value on the command line (the flag may repeat, and each may hold a comma-separated list). */
export function tagsOf(argv: readonly string[], args: ParsedArgs): string[] {
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') break;
    if (word === '--tag' && argv[i + 1] !== undefined) values.push(argv[++i]!);
    else if (word.startsWith('--tag=')) values.push(word.slice('--tag='.length));
  }
  const fromArgs = flag(args, 'tag');
  if (values.length === 0 && fromArgs !== undefined) values.push(fromArgs);
  return values
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** The publish request from `publish SUBJECT JSON` and its flags; bad input names the argument. */
export function publishRequest(args: ParsedArgs, argv: readonly string[]): Record<string, unknown> {
  const [subject, text] = needs(args, 2, 'SUBJECT JSON');
  let body: unknown;
  try {
    body = JSON.parse(text!);
  } catch (error) {
    throw badArgs('JSON', `must be valid JSON, e.g. '{"id":"o1"}' (${error instanceof Error ? error.message : String(error)})`, MQ_USAGE);
  }
  const request: Record<string, unknown> = { subject, body };
  const tags = tagsOf(argv, args);
  if (tags.length > 0) request.tags = tags;
  const delay = flag(args, 'delay');
  const at = flag(args, 'at');
  if (delay !== undefined && at !== undefined) throw badArgs('delay', 'give either --delay or --at, not both', MQ_USAGE);
  if (delay !== undefined) {
    if (!/^\d+$/.test(delay)) throw badArgs('delay', `must be a whole number of milliseconds; got ${JSON.stringify(delay)}`, MQ_USAGE);
    request.delayMs = Number(delay);
  }
  if (at !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(Date.parse(at)))
      throw badArgs('at', `must be an ISO 8601 time such as 2026-12-31T23:00:00Z; got ${JSON.stringify(at)}`, MQ_USAGE);
    request.deliverAt = new Date(at).toISOString();
  }
  const id = flag(args, 'id');
  if (id !== undefined) request.msgId = id;
  return request;
}

const time = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

/** Streams, then the consumer groups with their lag. */
export function formatStreams(streams: BusStreamView[], consumers: BusConsumerView[]): string {
  const s = textTable(
    ['stream', 'subjects', 'messages', 'bytes', 'consumers'],
    streams.map((v) => [v.name, v.subjects.join(' '), String(v.messages), String(v.bytes), String(v.consumers)]),
  );
  const c =
    consumers.length === 0
      ? 'No consumers on MSEC_MQ yet.'
      : textTable(
          ['consumer', 'subject', 'kind', 'lag', 'unacked', 'redelivered'],
          consumers.map((v) => [
            v.name,
            v.filterSubject.replace(/^msec\.mq\./, ''),
            v.durable ? 'group' : 'broadcast',
            String(v.pending),
            String(v.ackPending),
            String(v.redelivered),
          ]),
        );
  return `${s}\n\n${c}`;
}

/** Dead letters as a table. */
export function formatDeadLetters(letters: BusDeadLetterView[]): string {
  if (letters.length === 0) return 'No dead letters.';
  return textTable(
    ['message id', 'subject', 'group', 'attempts', 'dead since', 'reason'],
    letters.map((d) => [d.message.msgId, d.message.subject, d.group, String(d.attempts), time(d.deadAt), d.reason.slice(0, 80)]),
  );
}

/** One dead letter in full. */
export function formatDeadLetter(d: BusDeadLetterView): string {
  const body = typeof d.message.body === 'string' ? d.message.body : JSON.stringify(d.message.body, null, 2);
  return [
    `${d.message.msgId} on ${d.message.subject}, group ${d.group}: ${d.attempts} attempts, dead since ${time(d.deadAt)}`,
    `reason: ${d.reason}`,
    `published ${time(d.message.publishedAt)} by ${d.message.producer || '—'}${d.message.tags.length ? `, tags ${d.message.tags.join(',')}` : ''}`,
    '',
    body,
    '',
    textTable(['header', 'value'], Object.entries(d.message.headers)),
  ].join('\n');
}

/** A trace as a timeline. */
export function formatTrace(t: BusTraceView): string {
  if (t.timeline.length === 0) return `Nothing is recorded for ${t.msgId} (unknown, or older than the trace retention).`;
  const head = `${t.msgId} on ${t.subject ?? '—'} by ${t.producer ?? '—'}, published ${time(t.publishedAt)}${t.deliverAt ? `, due ${time(t.deliverAt)}` : ''}${t.dead ? '  [dead letter]' : ''}`;
  const rows = t.timeline.map((s) => [
    time(s.at),
    s.kind,
    s.consumer ?? s.group ?? '',
    s.attempt === undefined ? '' : String(s.attempt),
    s.error ?? (s.nextAttemptAt ? `next ${time(s.nextAttemptAt)}` : (s.stream ?? '')),
  ]);
  const body = t.body === null ? '' : `\n\n${typeof t.body === 'string' ? t.body : JSON.stringify(t.body, null, 2)}`;
  return `${head}\n\n${textTable(['at', 'step', 'consumer', 'attempt', 'detail'], rows)}${body}`;
}

/**
 * `msec mq <publish|streams|dlq|inspect|redrive|discard|trace> …` through the REST API with the stored
 * API token. `argv` is the raw command line, read for repeated `--tag`. Returns the exit code.
 */
export async function mq(
  config: Pick<LauncherConfig, 'homeDir'>,
  args: ParsedArgs,
  io: CliIo = processIo(),
  argv: readonly string[] = process.argv.slice(2),
): Promise<number> {
  const sub = args.positionals[0];
  if (sub === undefined || sub === 'help' || args.flags.help === true) {
    io.out(MQ_USAGE);
    return sub === undefined ? 1 : 0;
  }
  const json = args.flags.json === true || args.flags.json === 'true';
  const print = (value: unknown, text: () => string): number => {
    io.out(json ? JSON.stringify(value, null, 2) : text());
    return 0;
  };
  const deadLetter = (id: string): string => `/api/v1/messages/dead-letters/${encodeURIComponent(id)}`;
  const group = flag(args, 'group');

  // Check the arguments before asking for credentials, so usage errors come first.
  const request = sub === 'publish' ? publishRequest(args, argv) : undefined;
  if (!['publish', 'streams', 'dlq', 'inspect', 'redrive', 'discard', 'trace', 'cancel'].includes(sub))
    throw badArgs('subcommand', `"${sub}" is not an mq subcommand`, MQ_USAGE);
  const ids = sub === 'publish' || sub === 'streams' || sub === 'dlq' ? [] : needs(args, 1, 'ID');
  if (sub === 'discard' && group === undefined) throw badArgs('group', 'is required: ./msec mq discard ID --group G', MQ_USAGE);
  const client = authenticatedClient(apiTarget(config, args, io));

  switch (sub) {
    case 'publish': {
      const reply = await client.request<BusPublishReply>('POST', '/api/v1/messages', request);
      return print(reply, () =>
        reply.duplicate
          ? `Already stored as ${reply.msgId} (duplicate id): nothing new published.`
          : `Published ${reply.msgId}${reply.deliverAt ? `, due ${time(reply.deliverAt)}` : ''} (${reply.stream} #${reply.seq}).`,
      );
    }
    case 'streams': {
      const [streams, consumers] = await Promise.all([
        client.request<{ items: BusStreamView[] }>('GET', '/api/v1/messages/streams'),
        client.request<{ items: BusConsumerView[] }>('GET', '/api/v1/messages/consumers'),
      ]);
      return print({ streams: streams.items, consumers: consumers.items }, () => formatStreams(streams.items, consumers.items));
    }
    case 'dlq': {
      const all: BusDeadLetterView[] = [];
      let cursor: string | null = null;
      const subject = flag(args, 'subject');
      do {
        const query = new URLSearchParams({ limit: '200' });
        if (group) query.set('group', group);
        if (subject) query.set('subject', subject);
        if (cursor) query.set('cursor', cursor);
        const page: Page<BusDeadLetterView> = await client.request('GET', `/api/v1/messages/dead-letters?${query}`);
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return print(all, () => formatDeadLetters(all));
    }
    case 'inspect': {
      const query = group ? `?group=${encodeURIComponent(group)}` : '';
      const reply = await client.request<{ items: BusDeadLetterView[] }>('GET', `${deadLetter(ids[0]!)}${query}`);
      return print(reply.items, () => reply.items.map(formatDeadLetter).join('\n\n'));
    }
    case 'redrive': {
      const reply = await client.request<{ redriven: BusDeadLetterView[] }>(
        'POST',
        `${deadLetter(ids[0]!)}/redrive`,
        group ? { group } : {},
      );
      return print(reply, () => `Re-drove ${ids[0]} to ${reply.redriven.map((d) => d.group).join(', ')} (fresh attempts).`);
    }
    case 'discard': {
      const reply = await client.request<{ discarded: number }>('DELETE', `${deadLetter(ids[0]!)}?group=${encodeURIComponent(group!)}`);
      return print(reply, () => `Discarded ${reply.discarded} dead letter(s) of ${ids[0]} for ${group}.`);
    }
    case 'cancel': {
      const reply = await client.request<BusCancelReply>('DELETE', `/api/v1/messages/scheduled/${encodeURIComponent(ids[0]!)}`);
      return print(reply, () =>
        reply.alreadyCancelled
          ? `${reply.msgId} was already cancelled.`
          : `Cancelled ${reply.msgId} (${reply.subject}, due ${reply.deliverAt ?? 'unknown'}): it will not be delivered.`,
      );
    }
    default: {
      const reply = await client.request<BusTraceView>('GET', `/api/v1/messages/trace/${encodeURIComponent(ids[0]!)}`);
      return print(reply, () => formatTrace(reply));
    }
  }
}
