import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type {
  KvCheckReport,
  KvClusterSummary,
  KvKeyInspection,
  KvNodeSample,
  KvOperationStarted,
  KvOperationView,
  KvSlowlogEntry,
  KvTopology,
} from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import { authenticatedClient } from '../api/api-target.js';
import { canPrompt, processIo, type CliIo } from '../api/cli-io.js';
import type { RestClient } from '../api/rest-client.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { apiTarget } from './login.js';

/** Usage of `msec kv`. */
export const KV_USAGE = `usage: ./msec kv <subcommand> [--json] [--url URL]

  list                                  registered clusters
  register NAME SEED... [--password-file F]  register a running cluster by any of its nodes (host:port)
  create NAME NODE... [--replicas N] [--password-file F]
                                        form a cluster from empty cluster-enabled nodes (default 1 replica per master)
  topology C                            masters with slot ranges and their replicas, link state, config epoch
  check C                               health check like redis-cli --cluster check
  add-master C NODE                     join an empty node as a master (it holds no slots: rebalance next)
  add-replica C NODE [--master ID]      join an empty node as a replica (default: the master with fewest replicas)
  remove C NODE                  admin  move the node's slots away, then forget it everywhere
  failover C NODE                admin  a replica (or the master's first replica) takes over
  rebalance C [--weights N=W,...] admin  move slots evenly, or by weight (0 drains a master)
  unregister C                   admin  forget the cluster (the Redis nodes are untouched)
  ops C                                 operation history, newest first
  resume OPID                    admin  run a failed operation again from its saved state
  nodes C                               latest per-node sample: ops/s, memory, keys, clients, hit ratio
  slowlog C [--node NODE] [--count N]   slow commands, slowest first
  key C KEY                             read-only key lookup: type, TTL, size and a preview

  NODE is host:port or a node id from the topology. Operations show a progress bar until they finish
  (--detach returns at once). Admin commands ask you to type the cluster name; scripts pass --yes or
  --confirm NAME. --json prints the API's reply. Needs ./msec login (or MSEC_TOKEN).`;

/** Flags of `msec kv` that take no value (the dispatcher's parseArgs must know them). */
export const KV_BOOLEAN_FLAGS = ['json', 'yes', 'detach'] as const;

/** How often a followed operation is polled. */
const POLL_MS = 500;

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

function flag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw badArgs(name, 'needs a value', KV_USAGE);
  return value;
}

/** A boolean flag: `--yes`, or `--yes=true` when the dispatcher does not know it as boolean. */
function isOn(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true || args.flags[name] === 'true';
}

function needs(args: ParsedArgs, count: number, what: string): string[] {
  const words = args.positionals.slice(1);
  if (words.length < count) throw badArgs(what, `is missing: ./msec kv ${args.positionals[0]} ${what}`, KV_USAGE);
  return words;
}

function intFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const text = flag(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw badArgs(name, `must be a whole number from ${min} to ${max}; got ${JSON.stringify(text)}`);
  return n;
}

/**
 * `--password-file F`: the cluster's requirepass, read from a file so it shows in no process list or shell history
 * (kv-admin stores it encrypted and never returns it).
 */
function passwordFrom(args: ParsedArgs): { password?: string } {
  const file = flag(args, 'password-file');
  if (file === undefined) return {};
  let password: string;
  try {
    password = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw badArgs('password-file', `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (password === '') throw badArgs('password-file', `${file} is empty; put the cluster's requirepass in it`);
  return { password };
}

/** `--weights a:1=2,b=0` → {a:1: 2, b: 0}. */
export function parseWeights(text: string | undefined): Record<string, number> | undefined {
  if (text === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const at = part.lastIndexOf('=');
    const weight = Number(part.slice(at + 1));
    if (at <= 0 || part.slice(at + 1) === '' || !Number.isFinite(weight) || weight < 0)
      throw badArgs('weights', `"${part}" is not NODE=WEIGHT, e.g. --weights 127.0.0.1:7000=2,127.0.0.1:7001=0`);
    out[part.slice(0, at)] = weight;
  }
  return out;
}

/** A text progress bar: `[##########----------]  50%`. */
export function progressBar(percent: number, width = 30): string {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  const filled = Math.round((p / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(p).padStart(3)}%`;
}

const bytes = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)}M` : `${Math.round(n / 1024)}K`);
const ranges = (slots: { start: number; end: number }[]): string =>
  slots.length === 0 ? '-' : slots.map((r) => (r.start === r.end ? String(r.start) : `${r.start}-${r.end}`)).join(',');

/** Registered clusters as a table. */
export function formatClusters(clusters: KvClusterSummary[]): string {
  if (clusters.length === 0) return 'No KV clusters yet. Create one: ./msec kv create main HOST:PORT... --replicas 1';
  return textTable(
    ['name', 'nodes', 'password', 'registered'],
    clusters.map((c) => [c.name, c.seeds.join(','), c.hasPassword ? 'yes' : 'no', c.createdAt]),
  );
}

/** Masters by first slot, each followed by its replicas (indented), with slots, link and config epoch. */
export function formatTopology(t: KvTopology): string {
  const masters = t.nodes.filter((n) => n.role === 'master').sort((a, b) => (a.slots[0]?.start ?? 1e9) - (b.slots[0]?.start ?? 1e9));
  const rows: string[][] = [];
  const row = (n: KvTopology['nodes'][number], replica: boolean): string[] => [
    `${replica ? '  └ ' : ''}${n.address}`,
    n.id.slice(0, 10),
    n.role + (n.failing ? ' (failing)' : ''),
    replica ? '' : `${ranges(n.slots)} (${n.slotCount})`,
    n.linkState,
    String(n.configEpoch),
    [...n.migrating.map((m) => `${m.slot}>${m.to.slice(0, 8)}`), ...n.importing.map((i) => `${i.slot}<${i.from.slice(0, 8)}`)].join(',') ||
      '-',
  ];
  for (const m of masters) {
    rows.push(row(m, false));
    for (const r of t.nodes.filter((n) => n.masterId === m.id)) rows.push(row(r, true));
  }
  for (const r of t.nodes.filter((n) => n.role === 'replica' && !masters.some((m) => m.id === n.masterId))) rows.push(row(r, true));
  const head = `${t.cluster}: state ${t.state}, current epoch ${t.currentEpoch}, ${masters.length} masters, ${t.nodes.length - masters.length} replicas (seen from ${t.seenFrom})`;
  return `${head}\n\n${textTable(['node', 'id', 'role', 'slots', 'link', 'epoch', 'open slots'], rows)}`;
}

/** Health check findings: errors then warnings. */
export function formatCheck(c: KvCheckReport): string {
  const lines = [
    `${c.cluster}: ${c.ok ? 'OK' : 'PROBLEMS FOUND'} (cluster_state ${c.clusterState}, ${c.coveredSlots}/16384 slots covered, ${c.nodesAgree ? 'all nodes agree' : 'nodes disagree about the slot map'})`,
  ];
  for (const e of c.errors) lines.push(`  error:   ${e}`);
  for (const w of c.warnings) lines.push(`  warning: ${w}`);
  if (c.errors.length + c.warnings.length === 0) lines.push('  no errors or warnings');
  return lines.join('\n');
}

/** Operation history. */
export function formatOperations(ops: KvOperationView[]): string {
  if (ops.length === 0) return 'No operations yet.';
  return textTable(
    ['id', 'kind', 'status', 'progress', 'step', 'started', 'error'],
    ops.map((o) => [o.id, o.kind, o.status, `${o.percent}%`, o.step, o.startedAt ?? o.createdAt, o.error ?? '']),
  );
}

/** Latest sample per node. */
export function formatSamples(samples: KvNodeSample[]): string {
  if (samples.length === 0) return 'No samples yet (kv-admin samples every node every MSEC_KV_SAMPLE_SECONDS).';
  return textTable(
    ['node', 'role', 'ops/s', 'memory', 'keys', 'clients', 'hit ratio', 'repl offset', 'at'],
    samples.map((s) => [
      s.node,
      s.role,
      String(s.opsPerSec),
      bytes(s.usedMemoryBytes),
      String(s.keys),
      String(s.clients),
      s.hitRatio === null ? '-' : `${(s.hitRatio * 100).toFixed(1)}%`,
      String(s.replicationOffset),
      s.at,
    ]),
  );
}

/** Slow log entries. */
export function formatSlowlog(entries: KvSlowlogEntry[]): string {
  if (entries.length === 0) return 'No slow commands logged.';
  return textTable(
    ['node', 'micros', 'at', 'command'],
    entries.map((e) => [e.node, String(e.durationMicros), e.at, e.command.join(' ')]),
  );
}

/** A key's type, TTL, size and preview. */
export function formatKey(k: KvKeyInspection): string {
  if (!k.exists) return `${k.key}: no such key (slot ${k.slot} on ${k.node})`;
  const ttl = k.ttlMs < 0 ? 'no expiry' : `TTL ${(k.ttlMs / 1000).toFixed(1)}s`;
  const lines = [
    `${k.key}: ${k.type}, size ${k.size}, ${ttl}${k.memoryBytes !== null ? `, ${k.memoryBytes} bytes` : ''} (slot ${k.slot} on ${k.node})`,
  ];
  const p = k.preview;
  if (p.kind === 'string') lines.push(`  ${JSON.stringify(p.value)}${p.truncated ? ' …' : ''}`);
  if (p.kind === 'elements') {
    for (const i of p.items)
      lines.push(`  ${i.field !== undefined ? `${i.field} = ` : ''}${i.value}${i.score !== undefined ? ` (score ${i.score})` : ''}`);
    if (p.truncated) lines.push('  …');
  }
  return lines.join('\n');
}

/** Reads one visible line from the terminal. */
function promptLine(io: CliIo, question: string): Promise<string> {
  io.err(question);
  const rl = createInterface({ input: io.stdin as NodeJS.ReadableStream, terminal: false });
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      // Resolve before close(): close emits 'close' synchronously, which would answer '' first.
      resolve(line.trim());
      rl.close();
    });
    rl.once('close', () => resolve(''));
  });
}

/**
 * The confirmation of a destructive command: `--confirm NAME` (the API checks it), `--yes` (the cluster's name),
 * or the name typed at a prompt. Without a terminal and without either flag the command is refused.
 */
export async function confirmation(io: CliIo, args: ParsedArgs, cluster: string, action: string, detail: string): Promise<string> {
  const given = flag(args, 'confirm');
  if (given !== undefined) return given;
  if (isOn(args, 'yes')) return cluster;
  if (!canPrompt(io))
    throw badArgs('confirm', `${action} is destructive: type the cluster name at a terminal, or pass --yes or --confirm ${cluster}`);
  const typed = await promptLine(io, `${action}: ${detail}\nType the cluster name (${cluster}) to confirm: `);
  if (typed !== cluster) throw badArgs('confirm', `"${typed}" is not "${cluster}"; nothing was changed`);
  return typed;
}

/** Polls an operation until it finished, drawing a progress bar on stderr; resolves to the final view. */
export async function followOperation(
  client: RestClient,
  io: CliIo,
  operation: KvOperationView,
  tty = canPrompt(io),
): Promise<KvOperationView> {
  let view = operation;
  let last = '';
  for (;;) {
    const line = `${view.kind} ${progressBar(view.percent)} ${view.status} ${view.step}${view.message ? `: ${view.message}` : ''}`;
    if (line !== last) {
      // On a terminal the bar redraws in place; in a log each change is one line.
      io.err(tty ? `\r\u001b[2K${line.slice(0, 150)}` : `${line}\n`);
      last = line;
    }
    if (view.status === 'succeeded' || view.status === 'failed') break;
    await new Promise((r) => setTimeout(r, POLL_MS));
    view = await client.request<KvOperationView>('GET', `/api/v1/kv/operations/${encodeURIComponent(view.id)}`);
  }
  if (tty) io.err('\n');
  return view;
}

/**
 * `msec kv …`: KV (Redis Cluster) administration through the REST API with the stored API token. Prints readable
 * tables (or the API's JSON with --json), follows operations with a progress bar, and asks for the typed cluster name
 * before destructive ones. Returns the exit code (1 when a followed operation failed).
 */
export async function kv(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  const sub = args.positionals[0];
  if (sub === undefined || sub === 'help' || args.flags.help === true) {
    io.out(KV_USAGE);
    return sub === undefined ? 1 : 0;
  }
  const json = isOn(args, 'json');
  const client = authenticatedClient(apiTarget(config, args, io));
  const cl = (name: string): string => `/api/v1/kv/clusters/${encodeURIComponent(name)}`;
  const show = <T>(value: T, format: (v: T) => string): number => {
    io.out(json ? JSON.stringify(value, null, 2) : format(value));
    return 0;
  };
  const start = async (path: string, body: unknown): Promise<number> => {
    const { operation } = await client.request<KvOperationStarted>('POST', path, body);
    if (isOn(args, 'detach')) return show(operation, (o) => `Started ${o.kind} ${o.id}; follow it with ./msec kv ops ${o.cluster}`);
    const done = await followOperation(client, io, operation);
    show(done, (o) =>
      o.status === 'succeeded'
        ? `${o.kind} of ${o.cluster} succeeded (${o.id}).`
        : `${o.kind} of ${o.cluster} FAILED at ${o.step}: ${o.error}\nFix the cause, then: ./msec kv resume ${o.id}`,
    );
    return done.status === 'succeeded' ? 0 : 1;
  };

  switch (sub) {
    case 'list': {
      const page = await client.request<Page<KvClusterSummary>>('GET', '/api/v1/kv/clusters?limit=200');
      return show(page.items, formatClusters);
    }
    case 'register': {
      const [name, ...seeds] = needs(args, 2, 'NAME SEED...');
      const summary = await client.request<KvClusterSummary>('POST', '/api/v1/kv/clusters', { name, seeds, ...passwordFrom(args) });
      return show(summary, (s) => `Registered ${s.name} (${s.seeds.join(', ')}).`);
    }
    case 'create': {
      const [name, ...nodes] = needs(args, 4, 'NAME NODE NODE NODE...');
      const replicasPerMaster = intFlag(args, 'replicas', 0, 5) ?? 1;
      return start('/api/v1/kv/clusters/create', { name, nodes, replicasPerMaster, ...passwordFrom(args) });
    }
    case 'topology': {
      const [c] = needs(args, 1, 'CLUSTER');
      return show(await client.request<KvTopology>('GET', `${cl(c!)}/topology`), formatTopology);
    }
    case 'check': {
      const [c] = needs(args, 1, 'CLUSTER');
      const report = await client.request<KvCheckReport>('GET', `${cl(c!)}/check`);
      show(report, formatCheck);
      return report.ok ? 0 : 2;
    }
    case 'add-master': {
      const [c, node] = needs(args, 2, 'CLUSTER NODE');
      return start(`${cl(c!)}/masters`, { node });
    }
    case 'add-replica': {
      const [c, node] = needs(args, 2, 'CLUSTER NODE');
      const master = flag(args, 'master');
      return start(`${cl(c!)}/replicas`, { node, ...(master ? { master } : {}) });
    }
    case 'remove':
    case 'failover': {
      const [c, node] = needs(args, 2, 'CLUSTER NODE');
      const confirm =
        sub === 'remove'
          ? await confirmation(io, args, c!, `remove ${node} from ${c}`, 'its slots move to other masters, then every node forgets it.')
          : await confirmation(io, args, c!, `failover of ${node} in ${c}`, 'a replica takes over from its master.');
      return start(`${cl(c!)}/${sub === 'remove' ? 'nodes/remove' : 'failover'}`, { node, confirm });
    }
    case 'rebalance': {
      const [c] = needs(args, 1, 'CLUSTER');
      const weights = parseWeights(flag(args, 'weights'));
      const confirm = await confirmation(io, args, c!, `rebalance of ${c}`, 'slots move between masters while clients keep working.');
      return start(`${cl(c!)}/rebalance`, { confirm, ...(weights ? { weights } : {}) });
    }
    case 'unregister': {
      const [c] = needs(args, 1, 'CLUSTER');
      const confirm = await confirmation(io, args, c!, `unregister ${c}`, 'kv-admin forgets it; the Redis nodes keep running.');
      return show(await client.request<{ removed: boolean }>('DELETE', cl(c!), { confirm }), () => `Unregistered ${c}.`);
    }
    case 'ops': {
      const [c] = needs(args, 1, 'CLUSTER');
      const page = await client.request<Page<KvOperationView>>('GET', `${cl(c!)}/operations?limit=${intFlag(args, 'limit', 1, 200) ?? 20}`);
      return show(page.items, formatOperations);
    }
    case 'resume': {
      const [id] = needs(args, 1, 'OPID');
      const op = await client.request<KvOperationView>('GET', `/api/v1/kv/operations/${encodeURIComponent(id!)}`);
      const confirm = await confirmation(
        io,
        args,
        op.cluster,
        `resume ${op.kind} of ${op.cluster}`,
        `it is ${op.status}${op.error ? `: ${op.error}` : ''}.`,
      );
      return start(`/api/v1/kv/operations/${encodeURIComponent(id!)}/resume`, { confirm });
    }
    case 'nodes': {
      const [c] = needs(args, 1, 'CLUSTER');
      return show((await client.request<Page<KvNodeSample>>('GET', `${cl(c!)}/samples`)).items, formatSamples);
    }
    case 'slowlog': {
      const [c] = needs(args, 1, 'CLUSTER');
      const query = new URLSearchParams();
      const node = flag(args, 'node');
      const count = intFlag(args, 'count', 1, 1000);
      if (node) query.set('node', node);
      if (count !== undefined) query.set('count', String(count));
      return show((await client.request<Page<KvSlowlogEntry>>('GET', `${cl(c!)}/slowlog?${query}`)).items, formatSlowlog);
    }
    case 'key': {
      const [c, key] = needs(args, 2, 'CLUSTER KEY');
      return show(await client.request<KvKeyInspection>('GET', `${cl(c!)}/keys?${new URLSearchParams({ key: key! })}`), formatKey);
    }
    default:
      throw badArgs('subcommand', `"${sub}" is not a kv subcommand`, KV_USAGE);
  }
}
