import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DeploySubjects,
  RegistrySubjects,
  type HostView,
  type InstanceReport,
  type PackageView,
  type ReleasePlanView,
  type ServiceView,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { folderDigest, freePort, isPortTaken, packServiceFolder } from '@msec/infra';
import { REPO_ROOT, type MsecHome } from '../paths.js';

/** The demo service callers query. */
export const FLIGHT_SERVICE = 'Flight.mod_flight';
/** The module Flight.mod_flight asks to check passwords. */
export const USER_SERVICE = 'User.mod_user';
/** The Python demo service (examples/python-echo), released when the host has python3. */
export const ECHO_PYTHON_SERVICE = 'Echo.mod_python';
/** The built service folder both demo packages are made from. */
export const FLIGHT_DEMO_DIR = join(REPO_ROOT, 'examples', 'flight');
/** The Python example; its package also carries the Python SDK (sdk/python/msec). */
export const PYTHON_ECHO_DIR = join(REPO_ROOT, 'examples', 'python-echo');
const PYTHON_SDK_DIR = join(REPO_ROOT, 'sdk', 'python', 'msec');

/** One demo module: the package made for it and the name it has in `./msec status`. */
interface DemoModule {
  component: string;
  service: string;
  packageName: string;
  entry: string;
  /** The folder its package is made from (the Python one is assembled under the launcher's run folder). */
  folder: (home: MsecHome) => string;
}

/** User.mod_user first: Flight.mod_flight and Echo.mod_python call it. */
const FLIGHT_MODULES: readonly DemoModule[] = [
  { component: 'user', service: USER_SERVICE, packageName: 'flight-user', entry: 'dist/src/user-main.js', folder: () => FLIGHT_DEMO_DIR },
  { component: 'flight', service: FLIGHT_SERVICE, packageName: 'flight-query', entry: 'dist/src/main.js', folder: () => FLIGHT_DEMO_DIR },
];

const PYTHON_MODULE: DemoModule = {
  component: 'python-echo',
  service: ECHO_PYTHON_SERVICE,
  packageName: 'python-echo',
  entry: 'main.py',
  folder: stagePythonEcho,
};

/** Whether this host can run Python packages. */
export function hasPython3(): boolean {
  return spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The demo's modules on this host: the flight demo, and Echo.mod_python when python3 is installed. */
function demoModules(): readonly DemoModule[] {
  return hasPython3() ? [...FLIGHT_MODULES, PYTHON_MODULE] : FLIGHT_MODULES;
}

/** examples/python-echo with the Python SDK beside its main.py, as a Python package carries it (no caches). */
function stagePythonEcho(home: MsecHome): string {
  const stage = join(home.run, 'python-echo-package');
  rmSync(stage, { recursive: true, force: true });
  const noCache = (path: string): boolean => !path.includes('__pycache__') && !path.endsWith('.pyc');
  cpSync(PYTHON_ECHO_DIR, stage, { recursive: true, filter: noCache });
  cpSync(PYTHON_SDK_DIR, join(stage, 'msec'), { recursive: true, filter: noCache });
  return stage;
}

/** Inline uploads travel in one NATS message; the demo packages are a few KiB. */
const MAX_INLINE_BYTES = 700 * 1024;
const RELEASE_TIMEOUT_MS = 120_000;

/** A demo instance as an agent runs it. */
export interface DemoInstance {
  component: string;
  service: string;
  hostId: string;
  /** The host's address, where the instance listens. */
  ip: string;
  port: number;
  pid: number | null;
  status: string;
  packageVersion: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The demo's package version: examples/flight's version plus a digest of the module's files, so a rebuild is a new version. */
export function demoVersion(dir = FLIGHT_DEMO_DIR): string {
  const { version } = JSON.parse(readFileSync(join(FLIGHT_DEMO_DIR, 'package.json'), 'utf8')) as { version: string };
  return `${version}-${folderDigest(dir).slice(0, 12)}`;
}

/** The hosts once each heartbeats to the deploy service (an error naming the missing ones when the time is up). */
async function hostsUp(nc: NatsConnection, hostIds: readonly string[], timeoutMs: number): Promise<HostView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hosts = await natsRequest<HostView[]>(nc, DeploySubjects.hostsList, {}, 10_000).catch(() => []);
    const up = hostIds.map((id) => hosts.find((h) => h.hostId === id && h.status === 'up'));
    if (up.every((h) => h !== undefined)) return up as HostView[];
    if (Date.now() > deadline) {
      const missing = hostIds.filter((_, i) => up[i] === undefined);
      throw new Error(`host(s) ${missing.join(', ')} never reported to the deploy service`);
    }
    await sleep(300);
  }
}

/** Uploads the module's package unless this version is stored already. */
async function ensurePackage(nc: NatsConnection, home: MsecHome, module: DemoModule, folder: string, version: string): Promise<void> {
  const stored = await natsRequest<PackageView[]>(nc, DeploySubjects.packagesList, { name: module.packageName }, 10_000);
  if (stored.some((p) => p.version === version)) return;
  const file = join(home.run, `${module.packageName}-${version}.tar.gz`);
  try {
    const built = await packServiceFolder(folder, { name: module.packageName, version, entry: module.entry }, file);
    if (built.size > MAX_INLINE_BYTES) throw new Error(`${file} is ${built.size} bytes; upload it with ./msec package upload`);
    await natsRequest(
      nc,
      DeploySubjects.packagesUpload,
      { contentBase64: readFileSync(file).toString('base64'), sha256: built.sha256 },
      30_000,
    );
  } finally {
    rmSync(file, { force: true });
  }
}

/** The port a module had before (on a host, or in the registry), so routes stay valid across restarts; else a free one. */
async function portFor(nc: NatsConnection, module: DemoModule, running: InstanceReport | undefined, taken: Set<number>): Promise<number> {
  if (running) return running.port;
  const registered = await natsRequest<ServiceView>(nc, RegistrySubjects.serviceShow, { name: module.service }, 10_000).catch(
    () => undefined,
  );
  for (const previous of registered?.instances ?? [])
    if (previous.ip === '127.0.0.1' && !taken.has(previous.port) && !(await isPortTaken(previous.port))) return previous.port;
  for (;;) {
    const port = await freePort();
    if (!taken.has(port)) return port;
  }
}

async function runPlan(
  nc: NatsConnection,
  module: DemoModule,
  version: string,
  port: number,
  hostIds: readonly string[],
): Promise<ReleasePlanView> {
  const plan = await natsRequest<ReleasePlanView>(
    nc,
    DeploySubjects.releaseCreate,
    {
      service: module.service,
      packageName: module.packageName,
      packageVersion: version,
      port,
      hosts: hostIds,
      strategy: { canary: false, batchSize: 1, stabilizeMs: 1000, healthTimeoutMs: 30_000 },
    },
    10_000,
  );
  const deadline = Date.now() + RELEASE_TIMEOUT_MS;
  for (;;) {
    const view = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseGet, { planId: plan.planId }, 10_000);
    if (['succeeded', 'rolled-back', 'failed', 'paused'].includes(view.state)) return view;
    if (Date.now() > deadline)
      throw new Error(`release ${plan.planId} of ${module.service} still ${view.state} after ${RELEASE_TIMEOUT_MS / 1000} s`);
    await sleep(300);
  }
}

/**
 * Deploys the flight demo the way an operator would: packages made from examples/flight (uploaded once per
 * version), then one release plan per module to the given hosts (the local agent's, or the cluster's three). A module
 * already running this version on every host is left alone, so a second `up` changes nothing. Returns the instances as
 * the agents report them.
 */
export async function releaseFlightDemo(
  nc: NatsConnection,
  home: MsecHome,
  hostIds: readonly string[],
  say: (line: string) => void,
): Promise<DemoInstance[]> {
  let hosts = await hostsUp(nc, hostIds, 60_000);
  const taken = new Set<number>();
  for (const module of demoModules()) {
    const folder = module.folder(home);
    const version = demoVersion(folder);
    await ensurePackage(nc, home, module, folder, version);
    const running = hosts.map((h) => h.instances.find((i) => i.name === module.service));
    const port = await portFor(
      nc,
      module,
      running.find((i) => i !== undefined),
      taken,
    );
    taken.add(port);
    if (running.every((i) => i?.packageVersion === version && i.port === port)) continue;
    say(`releasing ${module.service} ${module.packageName}@${version} to ${hostIds.join(', ')} on port ${port} …`);
    const plan = await runPlan(nc, module, version, port, hostIds);
    if (plan.state !== 'succeeded')
      throw new Error(`release ${plan.planId} of ${module.service} ${plan.state}: ${plan.error ?? 'see ./msec release show'}`);
    hosts = await hostsUp(nc, hostIds, 10_000);
  }
  for (const host of hosts) await dropStaleRoutes(nc, host.hostId);
  return demoInstances(nc, hostIds, 60_000);
}

/** Scales in routes a host no longer serves (e.g. instances an older `up` ran on other ports). */
async function dropStaleRoutes(nc: NatsConnection, hostId: string): Promise<void> {
  const [host] = await hostsUp(nc, [hostId], 10_000);
  for (const module of demoModules()) {
    const port = host!.instances.find((i) => i.name === module.service)?.port;
    const view = await natsRequest<ServiceView>(nc, RegistrySubjects.serviceShow, { name: module.service }, 10_000).catch(() => undefined);
    const stale = (view?.instances ?? []).filter((i) => i.ip === host!.ip && i.port !== port && i.enabled).map((i) => `${i.ip}:${i.port}`);
    if (stale.length > 0) await natsRequest(nc, RegistrySubjects.scaleIn, { service: module.service, instances: stale }, 10_000);
  }
}

/**
 * The demo's instances on the hosts once every one is running (or what there is when the time is up). With more
 * than one host each is named `<module>@<host>`.
 */
export async function demoInstances(nc: NatsConnection, hostIds: readonly string[], timeoutMs: number): Promise<DemoInstance[]> {
  const deadline = Date.now() + timeoutMs;
  const modules = demoModules();
  for (;;) {
    const hosts = await hostsUp(nc, hostIds, timeoutMs);
    const instances = hosts.flatMap((host) =>
      modules.flatMap((module) => {
        const i = host.instances.find((x) => x.name === module.service);
        return i
          ? [
              {
                component: hostIds.length > 1 ? `${module.component}@${host.hostId}` : module.component,
                service: module.service,
                hostId: host.hostId,
                ip: host.ip,
                port: i.port,
                pid: i.pid,
                status: i.status,
                packageVersion: i.packageVersion,
              },
            ]
          : [];
      }),
    );
    const complete = instances.length === modules.length * hosts.length && instances.every((i) => i.status === 'running');
    if (complete || Date.now() > deadline) return instances;
    await sleep(300);
  }
}
