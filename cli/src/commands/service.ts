import type { ServiceView } from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import { authenticatedClient } from '../api/api-target.js';
import { processIo, type CliIo } from '../api/cli-io.js';
import type { RestClient } from '../api/rest-client.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { apiTarget } from './login.js';

/** Usage of `msec service`. */
export const SERVICE_USAGE = `usage: ./msec service <subcommand> [--json] [--url URL]

  create NAME [--memo TEXT] [--kind heterogeneous --protocol mysql]
                                   create a service, e.g. Flight.mod_flight
  list [--prefix Flight.]          every service with its instance counts
  show NAME                        one service and its instances (weight, routing, live)
  delete NAME                      delete a service without instances
  add NAME IP:PORT... [--weight N] add instances, not serving yet
  remove NAME IP:PORT              remove a scaled-in instance
  scale-out NAME IP:PORT... [--weight N]
                                   add (when new) and enable instances: callers route to them
  scale-in NAME IP:PORT...         disable instances: callers stop routing to them
  weight NAME IP:PORT WEIGHT       set an instance's static weight (100..10000, default 1000)

  --json prints the API's reply as JSON. Needs ./msec login (or MSEC_TOKEN).`;

/** Flags of `msec service` that take no value (the dispatcher's parseArgs must know them). */
export const SERVICE_BOOLEAN_FLAGS = ['json'] as const;

/** What every change answers. */
interface ServiceChange {
  service: ServiceView | null;
  routesWritten: boolean;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const addressOf = (i: { ip: string; port: number }): string => (i.ip.includes(':') ? `[${i.ip}]:${i.port}` : `${i.ip}:${i.port}`);

function flag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw badArgs(name, 'needs a value', SERVICE_USAGE);
  return value;
}

function needs(args: ParsedArgs, count: number, what: string): string[] {
  const words = args.positionals.slice(1);
  if (words.length < count) throw badArgs(what, `is missing: ./msec service ${args.positionals[0]} ${what}`, SERVICE_USAGE);
  return words;
}

function weightFlag(args: ParsedArgs): number | undefined {
  const text = flag(args, 'weight');
  if (text === undefined) return undefined;
  const weight = Number(text);
  if (!Number.isInteger(weight)) throw badArgs('weight', `must be a whole number from 100 to 10000; got ${JSON.stringify(text)}`);
  return weight;
}

/** Instances for a body: plain "ip:port", or {ip, port, weight} when --weight is given (the gateway validates both). */
function instances(addresses: string[], weight: number | undefined): unknown[] {
  if (weight === undefined) return addresses;
  return addresses.map((a) => {
    const at = a.lastIndexOf(':');
    if (at <= 0) throw badArgs('address', `must be ip:port; got ${JSON.stringify(a)}`);
    return { ip: a.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(a.slice(at + 1)), weight };
  });
}

/** The service tree as a table: one line per service, grouped by first level through the sort. */
export function formatServiceList(services: ServiceView[]): string {
  if (services.length === 0) return 'No services yet. Create one: ./msec service create Flight.mod_flight';
  return textTable(
    ['name', 'kind', 'protocol', 'serving', 'live', 'memo'],
    services.map((s) => [
      s.name,
      s.kind,
      s.protocol,
      `${s.instances.filter((i) => i.enabled).length}/${s.instances.length}`,
      String(s.instances.filter((i) => i.enabled && i.live).length),
      s.memo,
    ]),
  );
}

/** One service and its instances. */
export function formatService(s: ServiceView): string {
  const head = [`${s.name}  (${s.kind}, protocol ${s.protocol}, created ${s.createdAt})`, ...(s.memo ? [s.memo] : [])];
  if (s.instances.length === 0)
    return [...head, '', 'No instances. Add some: ./msec service scale-out ' + s.name + ' 127.0.0.1:8090'].join('\n');
  const table = textTable(
    ['instance', 'weight', 'routing', 'live'],
    s.instances.map((i) => [addressOf(i), String(i.weight), i.enabled ? 'enabled' : 'disabled', i.live ? 'live' : 'down']),
  );
  return [...head, '', table].join('\n');
}

async function listAll(client: RestClient, prefix: string | undefined): Promise<ServiceView[]> {
  const all: ServiceView[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '200' });
    if (prefix) query.set('prefix', prefix);
    if (cursor) query.set('cursor', cursor);
    const page: Page<ServiceView> = await client.request('GET', `/api/v1/services?${query}`);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/**
 * `msec service <create|list|show|delete|add|remove|scale-out|scale-in|weight> …` through the REST API with the
 * stored API token. Prints readable tables, or the API's JSON with --json. Returns the exit code.
 */
export async function service(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  const sub = args.positionals[0];
  if (sub === undefined || sub === 'help' || args.flags.help === true) {
    io.out(SERVICE_USAGE);
    return sub === undefined ? 1 : 0;
  }
  const json = args.flags.json === true || args.flags.json === 'true';
  const client = authenticatedClient(apiTarget(config, args, io));
  const path = (name: string): string => `/api/v1/services/${encodeURIComponent(name)}`;
  const change = async (method: string, url: string, body: unknown, done: string): Promise<number> => {
    const result = await client.request<ServiceChange>(method, url, body);
    if (json) io.out(JSON.stringify(result, null, 2));
    else {
      io.out(done);
      if (result.service) io.out(`\n${formatService(result.service)}`);
      if (!result.routesWritten) io.out('\nnote: ZooKeeper is unreachable; callers get these routes as soon as it is back');
    }
    return 0;
  };

  switch (sub) {
    case 'list': {
      const services = await listAll(client, flag(args, 'prefix'));
      io.out(json ? JSON.stringify(services, null, 2) : formatServiceList(services));
      return 0;
    }
    case 'show': {
      const [name] = needs(args, 1, 'NAME');
      const view = await client.request<ServiceView>('GET', path(name!));
      io.out(json ? JSON.stringify(view, null, 2) : formatService(view));
      return 0;
    }
    case 'create': {
      const [name] = needs(args, 1, 'NAME');
      const kind = flag(args, 'kind');
      const protocol = flag(args, 'protocol');
      const memo = flag(args, 'memo');
      const body = { name, ...(kind ? { kind } : {}), ...(protocol ? { protocol } : {}), ...(memo ? { memo } : {}) };
      return change('POST', '/api/v1/services', body, `Created ${name}.`);
    }
    case 'delete': {
      const [name] = needs(args, 1, 'NAME');
      return change('DELETE', path(name!), undefined, `Deleted ${name}.`);
    }
    case 'add':
    case 'scale-out':
    case 'scale-in': {
      const [name, ...addresses] = needs(args, 2, 'NAME IP:PORT...');
      const weight = sub === 'scale-in' ? undefined : weightFlag(args);
      const url = sub === 'add' ? `${path(name!)}/instances` : `${path(name!)}/${sub}`;
      const verb = { add: 'Added (not serving until scaled out)', 'scale-out': 'Scaled out', 'scale-in': 'Scaled in' }[sub];
      return change('POST', url, { instances: instances(addresses, weight) }, `${verb}: ${addresses.join(', ')}.`);
    }
    case 'remove': {
      const [name, address] = needs(args, 2, 'NAME IP:PORT');
      return change('DELETE', `${path(name!)}/instances/${encodeURIComponent(address!)}`, undefined, `Removed ${address} from ${name}.`);
    }
    case 'weight': {
      const [name, address, text] = needs(args, 3, 'NAME IP:PORT WEIGHT');
      const weight = Number(text);
      if (!Number.isInteger(weight)) throw badArgs('WEIGHT', `must be a whole number from 100 to 10000; got ${JSON.stringify(text)}`);
      return change(
        'PUT',
        `${path(name!)}/instances/${encodeURIComponent(address!)}/weight`,
        { weight },
        `Weight of ${address} set to ${weight}.`,
      );
    }
    default:
      throw badArgs('subcommand', `"${sub}" is not a service subcommand`, SERVICE_USAGE);
  }
}
