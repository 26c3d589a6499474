import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NatsConnection } from '@nats-io/transport-node';
import { Component, NatsRole, RegistrySubjects, Subjects, type HealthReport } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { freePort, startNats, startRedis, startZooKeeper, TEMP_DIR_PREFIX, type InfraServer, type NatsTestServer } from '@msec/testing';
import { FLIGHT_SERVICE, USER_SERVICE } from '../../src/index.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Platform services a flight test may need, each run from its build as `./msec up` runs it. */
export type PlatformPart = typeof Component.registry | typeof Component.monitor | typeof Component.log | typeof Component.deploy;

/** Entry of each demo module's process. */
const MODULE_ENTRIES: Record<string, string> = {
  [FLIGHT_SERVICE]: 'examples/flight/dist/src/main.js',
  [USER_SERVICE]: 'examples/flight/dist/src/user-main.js',
};

/** One running business instance. */
export interface ModuleInstance {
  service: string;
  port: number;
  address: string;
  child: ChildProcess;
}

/** NATS, ZooKeeper, the platform services asked for, and the demo's modules as separate processes. */
export class FlightStack {
  private readonly children: ChildProcess[] = [];
  /** Redis of the deploy service's queues, when the stack runs deploy. */
  private redis: InfraServer | undefined;

  private constructor(
    readonly nats: NatsTestServer,
    readonly zk: InfraServer,
    readonly nc: NatsConnection,
    readonly dir: string,
  ) {}

  /** What a process of the stack running as one NATS identity gets in its environment. */
  async platformEnv(role: NatsRole, name?: string): Promise<Record<string, string>> {
    return { ...(await this.nats.envFor(role, name)), MSEC_ZK_CONNECT: this.zk.url, MSEC_DATA_DIR: this.dir };
  }

  static async start(parts: PlatformPart[]): Promise<FlightStack> {
    const [nats, zk] = await Promise.all([startNats(), startZooKeeper()]);
    const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}flight-`));
    const stack = new FlightStack(nats, zk, await nats.connect(), dir);
    if (parts.includes(Component.deploy)) stack.redis = await startRedis();
    for (const part of parts) {
      const env = await stack.platformEnv(part);
      if (part === Component.deploy) Object.assign(env, { MSEC_REDIS_URL: stack.redis!.url, MSEC_DATA_DIR: join(dir, 'deploy') });
      stack.spawn(`services/${part}/dist/src/main.js`, env);
    }
    await Promise.all(parts.map((part) => stack.healthy(part)));
    return stack;
  }

  /** Registers both demo services (once) so instances can be scaled out into them. */
  async createServices(): Promise<void> {
    for (const name of [USER_SERVICE, FLIGHT_SERVICE]) {
      await natsRequest(this.nc, RegistrySubjects.serviceCreate, { name, memo: 'flight demo' }, 10_000).catch((error: unknown) => {
        if (!(error instanceof Error && error.message.includes('already exists'))) throw error;
      });
    }
  }

  /** Starts one instance of a demo module and waits until it listens; `port` reuses an address (a restart). */
  async startModule(service: string, port?: number, env: Record<string, string> = {}): Promise<ModuleInstance> {
    const entry = MODULE_ENTRIES[service];
    if (entry === undefined) throw new Error(`no demo module ${service}`);
    const chosen = port ?? (await freePort());
    const platform = await this.platformEnv(NatsRole.service, service);
    const child = this.spawn(entry, { ...platform, MSEC_SERVICE: service, MSEC_PORT: String(chosen), ...env }, 'pipe');
    await new Promise<void>((ready, fail) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('serving on') && ready());
      child.once('exit', (code) => fail(new Error(`${service} on ${chosen} exited with ${code}`)));
    });
    return { service, port: chosen, address: `127.0.0.1:${chosen}`, child };
  }

  /** Starts `count` instances of a module and scales the service out to them. */
  async deploy(service: string, count: number, env: Record<string, string> = {}): Promise<ModuleInstance[]> {
    const instances = await Promise.all([...Array(count)].map(() => this.startModule(service, undefined, env)));
    await this.scaleOut(
      service,
      instances.map((i) => i.address),
    );
    return instances;
  }

  async scaleOut(service: string, addresses: string[]): Promise<void> {
    await natsRequest(this.nc, RegistrySubjects.scaleOut, { service, instances: addresses }, 10_000);
  }

  async scaleIn(service: string, addresses: string[]): Promise<void> {
    await natsRequest(this.nc, RegistrySubjects.scaleIn, { service, instances: addresses }, 10_000);
  }

  /** Waits until a platform service reports ready. */
  async healthy(component: PlatformPart): Promise<void> {
    for (let i = 0; i < 100; i += 1) {
      const report = await natsRequest<HealthReport>(this.nc, Subjects.health(component), {}, 1000).catch(() => undefined);
      if (report?.ready) return;
      await sleep(200);
    }
    throw new Error(`${component} never became healthy`);
  }

  async close(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    await this.nc.close();
    await Promise.all([this.nats.dispose(), this.zk.dispose(), this.redis?.dispose()]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(script: string, env: Record<string, string>, stdout: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
    const child = spawn(process.execPath, [join(REPO, script)], {
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', stdout, 'inherit'],
    });
    this.children.push(child);
    return child;
  }
}
