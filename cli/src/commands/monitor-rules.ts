import type { AlarmRuleView } from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import type { CliIo } from '../api/cli-io.js';
import type { RestClient } from '../api/rest-client.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';

/** Usage lines of the alarm-rule subcommands (part of `msec monitor`'s usage). */
export const RULES_USAGE = `  rules [--service NAME]
                     alarm rules
  rule add SERVICE ATTR --type T --threshold N [--host H] [--webhook URL]
                     T: max, min, wave (±N %), nodata (N minutes), diff (±N against the same minute yesterday),
                     diff-up (N more than yesterday), diff-down (N fewer than yesterday)
  rule delete ID     delete a rule (its alarms stay in the history)`;

const SIGN: Record<string, string> = { max: '>', min: '<', diff: '±', 'diff-up': '+', 'diff-down': '-' };

/** A rule's condition as one short phrase. */
export function describeRule(r: Pick<AlarmRuleView, 'type' | 'threshold'>): string {
  if (r.type === 'wave') return `±${r.threshold} % vs yesterday`;
  if (r.type === 'nodata') return `no data for ${r.threshold} min`;
  return r.type.startsWith('diff') ? `${SIGN[r.type]}${r.threshold} vs yesterday` : `${SIGN[r.type] ?? r.type} ${r.threshold}`;
}

function value(args: ParsedArgs, name: string, usage: string): string | undefined {
  const v = args.flags[name];
  if (v === true) throw badArgs(name, 'needs a value', usage);
  return v;
}

/** `msec monitor rules`. */
export async function listRules(client: RestClient, args: ParsedArgs, io: CliIo, usage: string): Promise<number> {
  const service = value(args, 'service', usage);
  const reply = await client.request<{ items: AlarmRuleView[] }>(
    'GET',
    `/api/v1/alarm-rules${service ? `?service=${encodeURIComponent(service)}` : ''}`,
  );
  if (args.flags.json === true) io.out(JSON.stringify(reply.items, null, 2));
  else if (reply.items.length === 0) io.out('No alarm rules yet: ./msec monitor rule add SERVICE ATTR --type max --threshold N');
  else
    io.out(
      textTable(
        ['id', 'service', 'attr', 'host', 'rule', 'webhook', 'enabled'],
        reply.items.map((r) => [r.id, r.service, r.attr, r.host ?? '(all)', describeRule(r), r.webhookUrl ?? '', r.enabled ? 'yes' : 'no']),
      ),
    );
  return 0;
}

/** `msec monitor rule add|delete`. */
export async function changeRule(client: RestClient, args: ParsedArgs, io: CliIo, usage: string): Promise<number> {
  const [, action, ...words] = args.positionals;
  if (action === 'delete') {
    const id = words[0];
    if (!id) throw badArgs('ID', 'is missing: ./msec monitor rule delete ID (see ./msec monitor rules)', usage);
    await client.request('DELETE', `/api/v1/alarm-rules/${encodeURIComponent(id)}`);
    io.out(`Deleted alarm rule ${id}.`);
    return 0;
  }
  if (action !== 'add') throw badArgs('subcommand', `"${action ?? ''}" is not a rule subcommand (add, delete)`, usage);
  const [service, attr] = words;
  if (!service || !attr) throw badArgs('SERVICE ATTR', 'are missing: ./msec monitor rule add SERVICE ATTR --type T --threshold N', usage);
  const type = value(args, 'type', usage);
  if (!type) throw badArgs('type', 'is required: max, min, wave, nodata, diff, diff-up or diff-down', usage);
  const thresholdText = value(args, 'threshold', usage);
  const threshold = Number(thresholdText);
  if (thresholdText === undefined || thresholdText.trim() === '' || !Number.isFinite(threshold))
    throw badArgs('threshold', `must be a number; got ${JSON.stringify(thresholdText ?? '')}`, usage);
  const host = value(args, 'host', usage);
  const webhookUrl = value(args, 'webhook', usage);
  const rule = await client.request<AlarmRuleView>('POST', '/api/v1/alarm-rules', {
    service,
    attr,
    type,
    threshold,
    ...(host ? { host } : {}),
    ...(webhookUrl ? { webhookUrl } : {}),
  });
  io.out(
    args.flags.json === true ? JSON.stringify(rule, null, 2) : `Alarm rule ${rule.id}: ${rule.service} ${rule.attr} ${describeRule(rule)}.`,
  );
  return 0;
}
