import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { HostView, ReleasePlanView } from '@msec/contracts';
import { packServiceFolder, type PackageManifest } from '@msec/infra';
import { badArgs } from '../api/api.errors.js';
import { authenticatedClient } from '../api/api-target.js';
import { processIo, type CliIo } from '../api/cli-io.js';
import type { RestClient } from '../api/rest-client.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { apiTarget } from './login.js';
import { REPO_ROOT } from '../paths.js';
import { AGENT_ARCHIVE_ROOT, buildAgentArchive } from '../packaging/agent-archive.js';
import { cancelEnrollment, ENROLL_USAGE, enrollHost, listEnrollments } from './hosts-enroll.js';
import { execOnHost, getFromHost, putOnHost, REMOTE_USAGE } from './hosts-remote.js';
import { MAINTENANCE_USAGE, offlineHost, onlineHost } from './hosts-maintenance.js';

/** Usage of the deploy commands: hosts, package, config, idl, release, keys. */
export const DEPLOY_USAGE = `usage:
  ./msec hosts                                   hosts with up/down, CPU, memory, disk, load, last heartbeat
${ENROLL_USAGE}
${REMOTE_USAGE}
${MAINTENANCE_USAGE}
  ./msec package build DIR --name N --version V --entry FILE [--out FILE.tar.gz]
                                                 make a release package from a built service folder
                                                 (everything but node_modules and tests, plus manifest.json)
  ./msec package agent [--out FILE]            the host agent as one tar.gz for hosts with only Node installed
                                                 (start-agent.sh --gateway URL --enroll TOKEN on the new host)
  ./msec package upload FILE [--name N --version V]
                                                 upload a tar.gz with manifest.json, streamed (64 MiB by default)
  ./msec package list [--name N]
  ./msec config add SERVICE FILE --tag T [--memo M]
  ./msec config list SERVICE
  ./msec config diff SERVICE FROM TO
  ./msec config rollback SERVICE TO [--tag T]    make version TO current again (as a new copy)
  ./msec config publish SERVICE TAG              send version TAG live to the running instances (no restart)
  ./msec idl add SERVICE FILE.proto... --tag T [--memo M]
  ./msec idl list SERVICE
  ./msec idl diff SERVICE FROM TO
  ./msec release create SERVICE --package NAME@VERSION --hosts H1,H2 --port N
        [--config-tag TAG] [--idl TAG] [--batch N] [--no-canary] [--pause] [--stabilize-ms MS] [--no-wait]
                                                 start a release and follow it with a progress bar
  ./msec release create SERVICE --config-tag TAG --hosts H1,H2 [--batch N] ...
                                                 config-only: the hosts keep their package, get config TAG
  ./msec release list [--service S]
  ./msec release show ID
  ./msec release watch ID                        follow a running plan
  ./msec release resume ID                       continue a plan paused after its canary
  ./msec release rollback ID                     put plan ID's versions back on its hosts (a new plan)
  ./msec keys rotate [--overlap SECONDS]         new signing key; agents accept the old one during the overlap

  --json prints the API's reply as JSON. --url URL picks the gateway. Needs ./msec login (or MSEC_TOKEN).`;

/** Flags of these commands that take no value (the dispatcher's parseArgs must know them). */
export const DEPLOY_BOOLEAN_FLAGS = ['json', 'no-canary', 'pause', 'no-wait'] as const;

const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const VERSION_TAG = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;
const FINISHED = ['succeeded', 'rolled-back', 'failed', 'paused'];
const POLL_MS = 500;

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
type Command = (config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io?: CliIo) => Promise<number>;

function flag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw badArgs(name, 'needs a value', DEPLOY_USAGE);
  return value;
}

function needs(args: ParsedArgs, count: number, what: string, command: string): string[] {
  const words = args.positionals.slice(1);
  if (words.length < count) throw badArgs(what, `is missing: ./msec ${command} ${args.positionals[0]} ${what}`, DEPLOY_USAGE);
  return words;
}

function intFlag(args: ParsedArgs, name: string): number | undefined {
  const text = flag(args, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw badArgs(name, `must be a whole number; got ${JSON.stringify(text)}`, DEPLOY_USAGE);
  return Number(text);
}

function readFile(path: string): Buffer {
  if (!existsSync(path)) throw badArgs('FILE', `${path} does not exist`);
  return readFileSync(path);
}

const isJson = (args: ParsedArgs): boolean => args.flags.json === true || args.flags.json === 'true';
const q = encodeURIComponent;
const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)}G`;
const used = (total: number, free: number): string => `${total > 0 ? Math.round(((total - free) / total) * 100) : 0}% of ${gib(total)}`;

/** `[#######.............]  35%` for done out of total. */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%`;
}

/** Hosts finished out of all hosts of a plan (a succeeded plan is complete). */
export function planProgress(plan: Pick<ReleasePlanView, 'state' | 'hosts'>): { done: number; total: number } {
  const total = plan.hosts.length;
  return { done: plan.state === 'succeeded' ? total : plan.hosts.filter((h) => h.state === 'done').length, total };
}

/** One progress line: bar, hosts done, plan state and what each host in flight is doing. */
export function progressLine(plan: Pick<ReleasePlanView, 'state' | 'hosts'>): string {
  const { done, total } = planProgress(plan);
  const busy = plan.hosts.filter((h) => !['done', 'pending'].includes(h.state)).map((h) => `${h.hostId} ${h.state}`);
  return `${progressBar(done, total)}  ${done}/${total} hosts  ${plan.state}${busy.length ? `  (${busy.join(', ')})` : ''}`;
}

/** The hosts table. */
export function formatHosts(hosts: HostView[], now = Date.now()): string {
  if (hosts.length === 0) return 'No hosts yet. Enrol one: ./msec hosts enroll HOST, then run the agent command it prints on that host';
  return textTable(
    ['host', 'ip', 'status', 'cpu', 'memory', 'disk', 'load', 'instances', 'heartbeat'],
    hosts.map((h) => [
      h.hostId,
      h.ip,
      h.offline ? `${h.status}, offline` : h.status,
      h.metrics ? `${Math.round(h.metrics.cpuPercent)}%` : '-',
      h.metrics ? used(h.metrics.memTotalBytes, h.metrics.memFreeBytes) : '-',
      h.metrics ? used(h.metrics.diskTotalBytes, h.metrics.diskFreeBytes) : '-',
      h.metrics ? h.metrics.load.map((l) => l.toFixed(2)).join(' ') : '-',
      String(h.instances.length),
      `${Math.max(0, Math.round((now - h.lastSeenAt) / 1000))}s ago`,
    ]),
  );
}

/** One plan with its hosts. */
export function formatPlan(p: ReleasePlanView): string {
  const lines = [
    `${p.kind} ${p.planId}`,
    `  service   ${p.service} port ${p.port}`,
    `  versions  ${p.target.packageName}@${p.target.packageVersion} config ${p.target.configTag ?? '-'} idl ${p.target.idlTag ?? '-'}`,
    `  strategy  ${p.strategy.canary ? 'canary, then ' : ''}batches of ${p.strategy.batchSize}${p.strategy.pauseAfterCanary ? ', pause after canary' : ''}`,
    `  state     ${p.state}${p.error ? `: ${p.error}` : ''}`,
    `  progress  ${progressLine(p)}`,
    '',
    textTable(
      ['batch', 'host', 'ip', 'state', 'error'],
      p.hosts.map((h) => [String(h.batch), h.hostId, h.ip, h.state, h.error ?? '']),
    ),
  ];
  return lines.join('\n');
}

/** Polls a plan and draws its progress until it finishes or pauses; exit code 0 unless it failed or rolled back. */
export async function followPlan(client: RestClient, planId: string, io: CliIo, pollMs = POLL_MS): Promise<number> {
  // Redraw one line on a terminal; print one line per change when piped or driven by a test.
  const tty = process.stderr.isTTY === true && io.stdin === process.stdin;
  let lastLine = '';
  for (;;) {
    const plan = await client.request<ReleasePlanView>('GET', `/api/v1/releases/${q(planId)}`);
    const line = progressLine(plan);
    if (line !== lastLine) {
      io.err(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      lastLine = line;
    }
    if (FINISHED.includes(plan.state)) {
      if (tty) io.err('\n');
      if (plan.state === 'paused') io.out(`Paused after the canary. Continue: ./msec release resume ${plan.planId}`);
      else if (plan.state === 'succeeded') io.out(`Release ${plan.planId} succeeded on ${plan.hosts.length} host(s).`);
      else io.out(`Release ${plan.planId} ${plan.state}${plan.error ? `: ${plan.error}` : ''}`);
      return plan.state === 'succeeded' || plan.state === 'paused' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function start(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo): RestClient {
  return authenticatedClient(apiTarget(config, args, io));
}

/** `msec hosts [enroll HOST | enrollments | cancel-enrollment ID | exec | get | put | offline HOST | online HOST]`. */
export const hostsCommand: Command = async (config, args, io = processIo()) => {
  const client = start(config, args, io);
  const sub = args.positionals[0];
  if (sub === 'enroll') return enrollHost(client, args, io, isJson(args));
  if (sub === 'enrollments') return listEnrollments(client, io, isJson(args));
  if (sub === 'cancel-enrollment') return cancelEnrollment(client, args, io, isJson(args));
  if (sub === 'exec') return execOnHost(client, args, io, isJson(args));
  if (sub === 'get') return getFromHost(client, args, io);
  if (sub === 'put') return putOnHost(client, args, io);
  if (sub === 'offline') return offlineHost(client, args, io, isJson(args));
  if (sub === 'online') return onlineHost(client, args, io, isJson(args));
  if (sub !== undefined)
    throw badArgs(
      'subcommand',
      `"${sub}" is not a hosts subcommand (enroll, enrollments, cancel-enrollment, exec, get, put, offline, online)`,
      DEPLOY_USAGE,
    );
  const all: HostView[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<HostView> = await client.request('GET', `/api/v1/hosts?limit=200${cursor ? `&cursor=${q(cursor)}` : ''}`);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  io.out(isJson(args) ? JSON.stringify(all, null, 2) : formatHosts(all));
  return 0;
};

/** `msec package agent`: the agent archive for new hosts, made locally from this checkout's build. */
function packageAgent(args: ParsedArgs, io: CliIo): number {
  const out = flag(args, 'out') ?? 'msec-agent.tar.gz';
  const built = buildAgentArchive(REPO_ROOT, out);
  io.out(
    isJson(args)
      ? JSON.stringify(built, null, 2)
      : `Wrote ${built.file} (${(built.bytes / 1024 ** 2).toFixed(1)} MiB, ${built.packages} packages). On the new host (Node 20, same OS and CPU):\n` +
          `  tar -xzf ${basename(built.file)} && ${AGENT_ARCHIVE_ROOT}/start-agent.sh --gateway CONSOLE_URL --enroll TOKEN --ip HOST_IP\n` +
          `with a token from ./msec hosts enroll HOST.`,
  );
  return 0;
}

/** `msec package build`: a release package from a built folder, made locally (no gateway needed). */
async function packageBuild(args: ParsedArgs, io: CliIo): Promise<number> {
  const [dir] = needs(args, 1, 'DIR', 'package');
  if (!existsSync(dir!) || !statSync(dir!).isDirectory()) throw badArgs('DIR', `${dir} is not a folder`, DEPLOY_USAGE);
  const manifest: PackageManifest = { name: '', version: '', entry: '' };
  for (const field of ['name', 'version', 'entry'] as const) {
    const value = flag(args, field);
    if (!value) throw badArgs(field, `is required: ./msec package build DIR --name N --version V --entry dist/src/main.js`, DEPLOY_USAGE);
    manifest[field] = value;
  }
  if (!PACKAGE_NAME.test(manifest.name)) throw badArgs('name', 'must be letters, digits, "_", ".", "-", starting with a letter');
  if (!VERSION_TAG.test(manifest.version)) throw badArgs('version', 'must be 1-64 of letters, digits, "_", ".", "+", "-", e.g. 1.2.0');
  if (!existsSync(join(dir!, manifest.entry))) throw badArgs('entry', `${manifest.entry} is not a file in ${dir}; build the service first`);
  const out = flag(args, 'out') ?? `${manifest.name}-${manifest.version}.tar.gz`;
  const built = await packServiceFolder(dir!, manifest, out);
  io.out(
    isJson(args)
      ? JSON.stringify({ file: built.file, sha256: built.sha256, size: built.size, manifest, files: built.files.length }, null, 2)
      : `Built ${built.file}: ${manifest.name}@${manifest.version}, entry ${manifest.entry}, ${built.files.length} files, ${built.size} bytes, sha256 ${built.sha256}.\n` +
          `Upload it with ./msec package upload ${out}`,
  );
  return 0;
}

/** `msec package build|upload|list`. */
export const packageCommand: Command = async (config, args, io = processIo()) => {
  const sub = args.positionals[0];
  if (sub === 'build') return packageBuild(args, io);
  if (sub === 'agent') return packageAgent(args, io);
  const client = start(config, args, io);
  if (sub === 'list') {
    const name = flag(args, 'name');
    const page = await client.request<
      Page<{ name: string; version: string; size: number; sha256: string; entry: string; createdAt: number }>
    >('GET', `/api/v1/packages${name ? `?name=${q(name)}` : ''}`);
    io.out(
      isJson(args)
        ? JSON.stringify(page.items, null, 2)
        : page.items.length === 0
          ? 'No packages yet. Upload one: ./msec package upload app.tar.gz'
          : textTable(
              ['name', 'version', 'size', 'entry', 'sha256', 'uploaded'],
              page.items.map((p) => [
                p.name,
                p.version,
                `${(p.size / 1024).toFixed(1)}K`,
                p.entry,
                p.sha256.slice(0, 12),
                new Date(p.createdAt).toISOString(),
              ]),
            ),
    );
    return 0;
  }
  if (sub === 'upload') {
    const [file] = needs(args, 1, 'FILE', 'package');
    if (!existsSync(file!) || !statSync(file!).isFile()) throw badArgs('FILE', `${file} does not exist`);
    const query = new URLSearchParams();
    const name = flag(args, 'name');
    const version = flag(args, 'version');
    if (name) query.set('name', name);
    if (version) query.set('version', version);
    const view = await client.upload<{ name: string; version: string; sha256: string; size: number }>(
      `/api/v1/packages${query.size ? `?${query.toString()}` : ''}`,
      file!,
    );
    io.out(
      isJson(args) ? JSON.stringify(view, null, 2) : `Uploaded ${view.name}@${view.version} (${view.size} bytes, sha256 ${view.sha256}).`,
    );
    return 0;
  }
  throw badArgs('subcommand', `"${sub ?? ''}" is not a package subcommand (build, upload, list)`, DEPLOY_USAGE);
};

/** `msec config add|list|diff|rollback|publish`. */
export const configCommand: Command = async (config, args, io = processIo()) => {
  const sub = args.positionals[0];
  const client = start(config, args, io);
  switch (sub) {
    case 'add': {
      const [service, file] = needs(args, 2, 'SERVICE FILE', 'config');
      const tag = flag(args, 'tag') ?? basename(file!).replace(/\.[^.]*$/, '');
      const memo = flag(args, 'memo');
      const view = await client.request<{ tag: string; seq: number }>('POST', '/api/v1/configs', {
        service,
        tag,
        content: readFile(file!).toString('utf8'),
        ...(memo ? { memo } : {}),
      });
      io.out(isJson(args) ? JSON.stringify(view, null, 2) : `Added config ${service}@${view.tag}; it is now current.`);
      return 0;
    }
    case 'list': {
      const [service] = needs(args, 1, 'SERVICE', 'config');
      const page = await client.request<
        Page<{ tag: string; memo: string; current: boolean; live: boolean; bytes: number; createdAt: number }>
      >('GET', `/api/v1/configs?service=${q(service!)}`);
      io.out(
        isJson(args)
          ? JSON.stringify(page.items, null, 2)
          : page.items.length === 0
            ? `No config versions of ${service} yet.`
            : textTable(
                ['tag', 'current', 'live', 'bytes', 'added', 'memo'],
                page.items.map((c) => [
                  c.tag,
                  c.current ? '*' : '',
                  c.live ? '*' : '',
                  String(c.bytes),
                  new Date(c.createdAt).toISOString(),
                  c.memo,
                ]),
              ),
      );
      return 0;
    }
    case 'diff': {
      const [service, from, to] = needs(args, 3, 'SERVICE FROM TO', 'config');
      const r = await client.request<{ diff: string }>('GET', `/api/v1/configs/diff?service=${q(service!)}&from=${q(from!)}&to=${q(to!)}`);
      io.out(isJson(args) ? JSON.stringify(r, null, 2) : r.diff);
      return 0;
    }
    case 'rollback': {
      const [service, to] = needs(args, 2, 'SERVICE TO', 'config');
      const tag = flag(args, 'tag');
      const view = await client.request<{ tag: string }>('POST', '/api/v1/configs/rollback', { service, to, ...(tag ? { tag } : {}) });
      io.out(isJson(args) ? JSON.stringify(view, null, 2) : `Config of ${service} is ${to} again (as ${view.tag}).`);
      return 0;
    }
    case 'publish': {
      const [service, tag] = needs(args, 2, 'SERVICE TAG', 'config');
      const view = await client.request<{ tag: string; publishedAt: number }>('POST', '/api/v1/configs/publish', { service, tag });
      io.out(
        isJson(args)
          ? JSON.stringify(view, null, 2)
          : `Published config ${service}@${view.tag} live; running instances read it within seconds (config.get / config.watch).`,
      );
      return 0;
    }
    default:
      throw badArgs('subcommand', `"${sub ?? ''}" is not a config subcommand (add, list, diff, rollback, publish)`, DEPLOY_USAGE);
  }
};

/** `msec idl add|list|diff`. */
export const idlCommand: Command = async (config, args, io = processIo()) => {
  const sub = args.positionals[0];
  const client = start(config, args, io);
  switch (sub) {
    case 'add': {
      const [service, ...files] = needs(args, 2, 'SERVICE FILE.proto...', 'idl');
      const tag = flag(args, 'tag');
      if (!tag) throw badArgs('tag', 'is required: ./msec idl add SERVICE FILE.proto --tag v1', DEPLOY_USAGE);
      const memo = flag(args, 'memo');
      const body = {
        service,
        tag,
        files: Object.fromEntries(files.map((f) => [basename(f), readFile(f).toString('utf8')])),
        ...(memo ? { memo } : {}),
      };
      const view = await client.request<{ tag: string; messages: string[] }>('POST', '/api/v1/idl', body);
      io.out(isJson(args) ? JSON.stringify(view, null, 2) : `Added IDL ${service}@${view.tag}: ${view.messages.join(', ')}`);
      return 0;
    }
    case 'list': {
      const [service] = needs(args, 1, 'SERVICE', 'idl');
      const page = await client.request<Page<{ tag: string; files: string[]; messages: string[]; createdAt: number }>>(
        'GET',
        `/api/v1/idl?service=${q(service!)}`,
      );
      io.out(
        isJson(args)
          ? JSON.stringify(page.items, null, 2)
          : page.items.length === 0
            ? `No IDL versions of ${service} yet.`
            : textTable(
                ['tag', 'files', 'added', 'messages'],
                page.items.map((v) => [v.tag, v.files.join(','), new Date(v.createdAt).toISOString(), v.messages.join(', ')]),
              ),
      );
      return 0;
    }
    case 'diff': {
      const [service, from, to] = needs(args, 3, 'SERVICE FROM TO', 'idl');
      const r = await client.request<{ files: { file: string; change: string; diff: string }[] }>(
        'GET',
        `/api/v1/idl/diff?service=${q(service!)}&from=${q(from!)}&to=${q(to!)}`,
      );
      io.out(
        isJson(args)
          ? JSON.stringify(r, null, 2)
          : r.files.map((f) => `=== ${f.file} (${f.change})\n${f.diff}`).join('\n') || 'No differences.',
      );
      return 0;
    }
    default:
      throw badArgs('subcommand', `"${sub ?? ''}" is not an idl subcommand (add, list, diff)`, DEPLOY_USAGE);
  }
};

/** The body of `release create` from its flags. */
export function releaseBody(args: ParsedArgs): Record<string, unknown> {
  const [service] = needs(args, 1, 'SERVICE', 'release');
  const pkg = flag(args, 'package');
  const configTag = flag(args, 'config-tag');
  // Without --package, --config-tag alone ships a config version to what the hosts run now.
  const configOnly = pkg === undefined && configTag !== undefined;
  const at = pkg?.lastIndexOf('@') ?? -1;
  if (!configOnly && (!pkg || at <= 0))
    throw badArgs(
      'package',
      'must be NAME@VERSION, e.g. --package echo-svc@1.0.0 (or give only --config-tag for a config-only release)',
      DEPLOY_USAGE,
    );
  const hosts = (flag(args, 'hosts') ?? '').split(',').filter(Boolean);
  if (hosts.length === 0) throw badArgs('hosts', 'must list host ids, e.g. --hosts host-a,host-b (see ./msec hosts)', DEPLOY_USAGE);
  const port = intFlag(args, 'port');
  if (port === undefined && !configOnly)
    throw badArgs('port', 'is required: the port the instances listen on, e.g. --port 7963', DEPLOY_USAGE);
  const idlTag = flag(args, 'idl');
  const batchSize = intFlag(args, 'batch');
  const stabilizeMs = intFlag(args, 'stabilize-ms');
  return {
    service,
    ...(configOnly ? {} : { packageName: pkg!.slice(0, at), packageVersion: pkg!.slice(at + 1) }),
    ...(port !== undefined ? { port } : {}),
    hosts,
    ...(configTag ? { configTag } : {}),
    ...(idlTag ? { idlTag } : {}),
    strategy: {
      canary: args.flags['no-canary'] !== true,
      pauseAfterCanary: args.flags.pause === true,
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(stabilizeMs !== undefined ? { stabilizeMs } : {}),
    },
  };
}

/** `msec release create|list|show|watch|resume|rollback`. */
export const releaseCommand: Command = async (config, args, io = processIo()) => {
  const sub = args.positionals[0];
  const client = start(config, args, io);
  const follow = async (plan: ReleasePlanView, verb: string): Promise<number> => {
    if (isJson(args)) {
      io.out(JSON.stringify(plan, null, 2));
      return 0;
    }
    io.out(
      `${verb} ${plan.planId}: ${plan.service} → ${plan.target.packageName}@${plan.target.packageVersion} on ${plan.hosts.length} host(s)`,
    );
    if (args.flags['no-wait'] === true) return 0;
    return followPlan(client, plan.planId, io);
  };
  switch (sub) {
    case 'create':
      return follow(await client.request<ReleasePlanView>('POST', '/api/v1/releases', releaseBody(args)), 'Started release');
    case 'list': {
      const service = flag(args, 'service');
      const page = await client.request<Page<ReleasePlanView>>(
        'GET',
        `/api/v1/releases?limit=50${service ? `&service=${q(service)}` : ''}`,
      );
      io.out(
        isJson(args)
          ? JSON.stringify(page.items, null, 2)
          : page.items.length === 0
            ? 'No release plans yet. Start one: ./msec release create SERVICE --package NAME@VERSION --hosts H --port N'
            : textTable(
                ['plan', 'kind', 'service', 'version', 'state', 'progress', 'created'],
                page.items.map((p) => {
                  const { done, total } = planProgress(p);
                  return [
                    p.planId,
                    p.kind,
                    p.service,
                    `${p.target.packageName}@${p.target.packageVersion}`,
                    p.state,
                    `${done}/${total}`,
                    new Date(p.createdAt).toISOString(),
                  ];
                }),
              ),
      );
      return 0;
    }
    case 'show': {
      const [id] = needs(args, 1, 'ID', 'release');
      const plan = await client.request<ReleasePlanView>('GET', `/api/v1/releases/${q(id!)}`);
      io.out(isJson(args) ? JSON.stringify(plan, null, 2) : formatPlan(plan));
      return 0;
    }
    case 'watch': {
      const [id] = needs(args, 1, 'ID', 'release');
      return followPlan(client, id!, io);
    }
    case 'resume': {
      const [id] = needs(args, 1, 'ID', 'release');
      return follow(await client.request<ReleasePlanView>('POST', `/api/v1/releases/${q(id!)}/resume`, {}), 'Resumed');
    }
    case 'rollback': {
      const [id] = needs(args, 1, 'ID', 'release');
      return follow(await client.request<ReleasePlanView>('POST', `/api/v1/releases/${q(id!)}/rollback`, {}), 'Started rollback');
    }
    default:
      throw badArgs('subcommand', `"${sub ?? ''}" is not a release subcommand (create, list, show, watch, resume, rollback)`, DEPLOY_USAGE);
  }
};

/** `msec keys rotate`. */
export const keysCommand: Command = async (config, args, io = processIo()) => {
  const sub = args.positionals[0];
  if (sub !== 'rotate') throw badArgs('subcommand', `"${sub ?? ''}" is not a keys subcommand (rotate)`, DEPLOY_USAGE);
  const client = start(config, args, io);
  const overlapSeconds = intFlag(args, 'overlap');
  const r = await client.request<{
    keyId: string;
    previousKeyId: string;
    overlapSeconds: number;
    hosts: { hostId: string; ok: boolean; error: string | null }[];
  }>('POST', '/api/v1/keys/rotate', overlapSeconds === undefined ? {} : { overlapSeconds });
  if (isJson(args)) io.out(JSON.stringify(r, null, 2));
  else {
    io.out(`Signing key is now ${r.keyId} (was ${r.previousKeyId}); agents accept the old one for ${r.overlapSeconds} s more.`);
    if (r.hosts.length)
      io.out(
        textTable(
          ['host', 'result'],
          r.hosts.map((h) => [h.hostId, h.ok ? 'new key trusted' : `FAILED: ${h.error ?? ''}`]),
        ),
      );
    const missed = r.hosts.filter((h) => !h.ok).length;
    if (missed) io.out(`${missed} host(s) missed the rotation: give them the new console.pub (docs/operations.md, "Key rotation").`);
  }
  return r.hosts.every((h) => h.ok) ? 0 : 1;
};
