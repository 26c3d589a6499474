import { readFileSync, rmSync } from 'node:fs';
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
import { folderDigest, freePort, isPortTaken, packServiceFolder } from '@msec/testing';
import { REPO_ROOT, type MsecHome } from '../paths.js';

/** The demo service callers query. */
export const FLIGHT_SERVICE = 'Flight.mod_flight';
/** The module Flight.mod_flight asks to check passwords. */
export const USER_SERVICE = 'User.mod_user';
/** The built service folder both demo packages are made from. */
export const FLIGHT_DEMO_DIR = join(REPO_ROOT, 'examples', 'flight');

/** One demo module: the package made for it and the name it has in `./msec status`. */
interface DemoModule {
  component: string;
  service: string;
  packageName: string;
  entry: string;
}

/** User.mod_user first: Flight.mod_flight calls it. */
const MODULES: readonly DemoModule[] = [
  { component: 'user', service: USER_SERVICE, packageName: 'flight-user', entry: 'dist/src/user-main.js' },
  { component: 'flight', service: FLIGHT_SERVICE, packageName: 'flight-query', entry: 'dist/src/main.js' },
];

/** Inline uploads travel in one NATS message; the demo packages are a few KiB. */
const MAX_INLINE_BYTES = 700 * 1024;
const RELEASE_TIMEOUT_MS = 120_000;

/** A demo instance as the local agent runs it. */
export interface DemoInstance {
  component: string;
  service: string;
  port: number;
  pid: number | null;
  status: string;
  packageVersion: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The demo's package version: examples/flight's version plus a digest of its built files, so a rebuild is a new version. */
export function demoVersion(dir = FLIGHT_DEMO_DIR): string {
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return `${version}-${folderDigest(dir).slice(0, 12)}`;
}

async function localHost(nc: NatsConnection, hostId: string, timeoutMs: number): Promise<HostView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hosts = await natsRequest<HostView[]>(nc, DeploySubjects.hostsList, {}, 10_000).catch(() => []);
    const host = hosts.find((h) => h.hostId === hostId);
    if (host?.status === 'up') return host;
    if (Date.now() > deadline) throw new Error(`the local agent (host ${hostId}) never reported to the deploy service`);
    await sleep(300);
  }
}

/** Uploads the module's package unless this version is stored already. */
async function ensurePackage(nc: NatsConnection, home: MsecHome, module: DemoModule, version: string): Promise<void> {
  const stored = await natsRequest<PackageView[]>(nc, DeploySubjects.packagesList, { name: module.packageName }, 10_000);
  if (stored.some((p) => p.version === version)) return;
  const file = join(home.run, `${module.packageName}-${version}.tar.gz`);
  try {
    const built = await packServiceFolder(FLIGHT_DEMO_DIR, { name: module.packageName, version, entry: module.entry }, file);
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

/** The port a module had before (on this host, or in the registry), so routes stay valid across restarts; else a free one. */
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

async function runPlan(nc: NatsConnection, module: DemoModule, version: string, port: number, hostId: string): Promise<ReleasePlanView> {
  const plan = await natsRequest<ReleasePlanView>(
    nc,
    DeploySubjects.releaseCreate,
    {
      service: module.service,
      packageName: module.packageName,
      packageVersion: version,
      port,
      hosts: [hostId],
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
 * version), then one release plan per module to the local agent's host. A module already running this version
 * is left alone, so a second `up` changes nothing. Returns the instances as the agent reports them.
 */
export async function releaseFlightDemo(
  nc: NatsConnection,
  home: MsecHome,
  hostId: string,
  say: (line: string) => void,
): Promise<DemoInstance[]> {
  let host = await localHost(nc, hostId, 60_000);
  const version = demoVersion();
  const taken = new Set<number>();
  for (const module of MODULES) {
    await ensurePackage(nc, home, module, version);
    const running = host.instances.find((i) => i.name === module.service);
    const port = await portFor(nc, module, running, taken);
    taken.add(port);
    if (running?.packageVersion === version) continue;
    say(`releasing ${module.service} ${module.packageName}@${version} to ${hostId} on port ${port} …`);
    const plan = await runPlan(nc, module, version, port, hostId);
    if (plan.state !== 'succeeded')
      throw new Error(`release ${plan.planId} of ${module.service} ${plan.state}: ${plan.error ?? 'see ./msec release show'}`);
    host = await localHost(nc, hostId, 10_000);
  }
  await dropStaleRoutes(nc, hostId);
  return demoInstances(nc, hostId, 60_000);
}

/** Scales in routes this host no longer serves (e.g. instances an older `up` ran on other ports). */
async function dropStaleRoutes(nc: NatsConnection, hostId: string): Promise<void> {
  const host = await localHost(nc, hostId, 10_000);
  for (const module of MODULES) {
    const port = host.instances.find((i) => i.name === module.service)?.port;
    const view = await natsRequest<ServiceView>(nc, RegistrySubjects.serviceShow, { name: module.service }, 10_000).catch(() => undefined);
    const stale = (view?.instances ?? []).filter((i) => i.ip === host.ip && i.port !== port && i.enabled).map((i) => `${i.ip}:${i.port}`);
    if (stale.length > 0) await natsRequest(nc, RegistrySubjects.scaleIn, { service: module.service, instances: stale }, 10_000);
  }
}

/** The demo's instances on the local host once every one is running (or what there is when the time is up). */
export async function demoInstances(nc: NatsConnection, hostId: string, timeoutMs: number): Promise<DemoInstance[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const host = await localHost(nc, hostId, timeoutMs);
    const instances = MODULES.flatMap((module) => {
      const i = host.instances.find((x) => x.name === module.service);
      return i
        ? [
            {
              component: module.component,
              service: module.service,
              port: i.port,
              pid: i.pid,
              status: i.status,
              packageVersion: i.packageVersion,
            },
          ]
        : [];
    });
    if ((instances.length === MODULES.length && instances.every((i) => i.status === 'running')) || Date.now() > deadline) return instances;
    await sleep(300);
  }
}
