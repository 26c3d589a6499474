import type { RoutingRule, ServiceView, TrafficPolicyView } from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import { authenticatedClient } from '../api/api-target.js';
import { processIo, type CliIo } from '../api/cli-io.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { apiTarget } from './login.js';

/** Usage of `msec limit`, `msec breaker` and `msec route`. */
export const TRAFFIC_USAGE = `usage: ./msec limit|breaker|route <subcommand> [--json] [--url URL]

  limit ls SERVICE                          the service's rate limits, breaker settings, version and who changed them
  limit set SERVICE METHOD --qps N [--burst N] [--cluster]
                                            each instance admits N calls/s of METHOD (pkg.Service.Method, or '*'
                                            for every method without its own limit); the rest fail with RPC_RATE_LIMITED;
                                            --cluster: N for the whole service, shared evenly by its serving instances
  limit rm SERVICE METHOD                   remove a method's limit
  breaker set SERVICE KEY=VALUE...          breaker settings callers use for SERVICE: windowMs, minCalls, errorRatio,
                                            slowCallMs, slowRatio, openMs, halfOpenProbes
  breaker reset SERVICE                     back to the default breaker settings
  route ls SERVICE                          the service's routing rules (and the rest of its traffic policy)
  route set SERVICE ID --tag TAG [--order N] [--caller SERVICE] [--field F (--values A,B | --percent P)] [--percent P]
                                            callers send the requests the rule matches to SERVICE's instances tagged
                                            TAG: from --caller, whose request field F is one of --values, whose F
                                            hashes into the first P of 100 buckets, or P % of requests at random
  route rm SERVICE ID                       remove a routing rule
  route tag SERVICE IP:PORT [TAG...]        set an instance's tags (none: untag it)

  Changes reach running instances and callers within seconds. Needs ./msec login (or MSEC_TOKEN).`;

/** Flags of `msec limit` / `msec breaker` that take no value. */
export const TRAFFIC_BOOLEAN_FLAGS = ['cluster'] as const;

function number(args: ParsedArgs, name: string): number | undefined {
  const text = args.flags[name];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text === true || text.trim() === '' || !Number.isFinite(n))
    throw badArgs(name, `must be a number; got ${JSON.stringify(text)}`, TRAFFIC_USAGE);
  return n;
}

function formatPolicy(p: TrafficPolicyView): string {
  const limits =
    p.limits.length === 0
      ? 'No rate limits.'
      : textTable(
          ['method', 'qps', 'burst', 'for'],
          p.limits.map((l) => [l.method, String(l.qps), String(l.burst ?? l.qps), l.cluster === true ? 'the service' : 'each instance']),
        );
  const breaker =
    Object.keys(p.breaker).length === 0
      ? 'defaults'
      : Object.entries(p.breaker)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
  const who = p.version === 0 ? 'never changed' : `version ${p.version}, last changed by ${p.updatedBy} at ${p.updatedAt}`;
  const routes =
    p.routes.length === 0
      ? 'No routing rules.'
      : textTable(
          ['rule', 'order', 'tag', 'when'],
          p.routes.map((r) => [r.id, String(r.order), r.tag, ruleCondition(r)]),
        );
  return `${p.service}: ${who}\n${limits}\nBreaker settings of its callers: ${breaker}\n${routes}`;
}

/** A rule's conditions in words. */
function ruleCondition(r: RoutingRule): string {
  const parts: string[] = [];
  if (r.caller !== undefined) parts.push(`caller ${r.caller}`);
  if (r.field !== undefined && r.values !== undefined) parts.push(`${r.field} in ${r.values.join(',')}`);
  else if (r.field !== undefined) parts.push(`hash(${r.field}) < ${r.percent}%`);
  else if (r.percent !== undefined) parts.push(`${r.percent}% of requests`);
  return parts.join(' and ');
}

/** `msec limit …` and `msec breaker …`: the traffic policy of a service, through the gateway. */
export async function traffic(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  const [sub, service, method] = args.positionals;
  if (sub === undefined || sub === 'help' || args.flags.help === true) {
    io.out(TRAFFIC_USAGE);
    return sub === undefined ? 1 : 0;
  }
  if (!service) throw badArgs('SERVICE', `is missing: ./msec ${args.command} ${sub} SERVICE`, TRAFFIC_USAGE);
  const client = authenticatedClient(apiTarget(config, args, io));
  const base = `/api/v1/services/${encodeURIComponent(service)}`;
  const print = (p: TrafficPolicyView): number => {
    io.out(args.flags.json === true ? JSON.stringify(p, null, 2) : formatPolicy(p));
    return 0;
  };
  const key = `${args.command} ${sub}`;
  if (key === 'limit ls' || key === 'breaker show') return print(await client.request<TrafficPolicyView>('GET', `${base}/traffic`));
  if (key === 'limit set' || key === 'limit rm') {
    if (!method) throw badArgs('METHOD', `is missing: ./msec limit ${sub} SERVICE METHOD`, TRAFFIC_USAGE);
    const path = `${base}/limits/${encodeURIComponent(method)}`;
    if (sub === 'rm') return print(await client.request<TrafficPolicyView>('DELETE', path));
    const qps = number(args, 'qps');
    if (qps === undefined) throw badArgs('qps', 'is required: ./msec limit set SERVICE METHOD --qps N', TRAFFIC_USAGE);
    const burst = number(args, 'burst');
    const cluster = args.flags.cluster === true ? { cluster: true } : {};
    return print(await client.request<TrafficPolicyView>('PUT', path, { qps, ...(burst === undefined ? {} : { burst }), ...cluster }));
  }
  if (key === 'breaker set' || key === 'breaker reset') {
    const settings: Record<string, number> = {};
    for (const word of sub === 'set' ? args.positionals.slice(2) : []) {
      const [name, text] = word.split('=', 2);
      const value = Number(text);
      if (!name || text === undefined || text.trim() === '' || !Number.isFinite(value)) {
        throw badArgs(name || word, `must be given as KEY=NUMBER, e.g. errorRatio=0.5; got ${JSON.stringify(word)}`, TRAFFIC_USAGE);
      }
      settings[name] = value;
    }
    if (sub === 'set' && Object.keys(settings).length === 0) {
      throw badArgs('KEY=VALUE', 'give at least one setting, e.g. ./msec breaker set SERVICE errorRatio=0.5 openMs=5000', TRAFFIC_USAGE);
    }
    return print(await client.request<TrafficPolicyView>('PUT', `${base}/breaker`, settings));
  }
  if (key === 'route ls') return print(await client.request<TrafficPolicyView>('GET', `${base}/traffic`));
  if (key === 'route set' || key === 'route rm') {
    const id = method;
    if (!id) throw badArgs('ID', `is missing: ./msec route ${sub} SERVICE ID`, TRAFFIC_USAGE);
    const path = `${base}/routes/${encodeURIComponent(id)}`;
    if (sub === 'rm') return print(await client.request<TrafficPolicyView>('DELETE', path));
    const tag = args.flags.tag;
    if (typeof tag !== 'string' || tag === '') throw badArgs('tag', 'is required: ./msec route set SERVICE ID --tag TAG …', TRAFFIC_USAGE);
    const text = (name: string): string | undefined => {
      const value = args.flags[name];
      if (value === undefined) return undefined;
      if (value === true || value === '') throw badArgs(name, 'needs a value', TRAFFIC_USAGE);
      return value;
    };
    const order = number(args, 'order');
    const percent = number(args, 'percent');
    const values = text('values')
      ?.split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    const body = {
      tag,
      ...(order === undefined ? {} : { order }),
      ...(text('caller') === undefined ? {} : { caller: text('caller') }),
      ...(text('field') === undefined ? {} : { field: text('field') }),
      ...(values === undefined ? {} : { values }),
      ...(percent === undefined ? {} : { percent }),
    };
    return print(await client.request<TrafficPolicyView>('PUT', path, body));
  }
  if (key === 'route tag') {
    const address = method;
    if (!address) throw badArgs('IP:PORT', 'is missing: ./msec route tag SERVICE IP:PORT [TAG...]', TRAFFIC_USAGE);
    const tags = args.positionals.slice(3);
    const changed = await client.request<{ service: ServiceView | null }>('PUT', `${base}/instances/${encodeURIComponent(address)}/tags`, {
      tags,
    });
    if (args.flags.json === true) io.out(JSON.stringify(changed, null, 2));
    else {
      const instances = changed.service?.instances ?? [];
      io.out(
        textTable(
          ['instance', 'enabled', 'live', 'tags'],
          instances.map((i) => [`${i.ip}:${i.port}`, i.enabled ? 'yes' : 'no', i.live ? 'yes' : 'no', i.tags.join(',') || '-']),
        ),
      );
    }
    return 0;
  }
  throw badArgs('subcommand', `"${sub}" is not a subcommand of ${args.command} (see ./msec ${args.command} help)`, TRAFFIC_USAGE);
}
