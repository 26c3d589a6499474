import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve as resolvePath } from 'node:path';
import { DEFAULT_RUN_MANIFEST, runCommand, type InstanceReport, type RunManifest } from '@msec/contracts';
import { AgentCommandError, AgentErrorCode } from '../agent.errors.js';
import { RotatingLog } from './rotating-log.js';
import { ProcessUsage } from '../heartbeat/process-usage.js';

/** What it takes to run one business instance. */
export interface InstanceSpec {
  name: string;
  service: string;
  port: number;
  packageName: string;
  packageVersion: string;
  packageDir: string;
  entry: string;
  configFile: string | null;
  env: Record<string, string>;
  /** How to run, probe and stop it (the package's msec.json); absent means a Node package. */
  run?: RunManifest;
}

/** Settings the supervisor passes to every instance. */
export interface SupervisorOptions {
  stateDir: string;
  hostIp: string;
  natsUrl: string;
  /** CA of a TLS NATS server, handed to instances as MSEC_NATS_TLS_CA. */
  natsTlsCa?: string;
  zkConnect: string;
  /** Copies of the streams instances create, handed to them as MSEC_STREAM_REPLICAS (1 when absent). */
  streamReplicas?: number;
  /** This host's id, handed to instances as MSEC_HOST_ID (their monitor and log host). */
  hostId?: string;
  /** First restart delay; doubles per consecutive crash up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a stop waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
}

interface Instance {
  spec: InstanceSpec;
  child: ChildProcess | null;
  status: 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';
  restarts: number;
  consecutiveCrashes: number;
  startedAt: number;
  timer: NodeJS.Timeout | null;
  out: RotatingLog;
  err: RotatingLog;
  exited: Promise<void> | null;
  /** How the last run ended (`code 3`, `signal SIGSEGV`), for start-up errors. */
  lastExit: string | null;
}

/** A run of this long resets the crash counter, so back-off only grows for crash loops. */
const STABLE_RUN_MS = 10_000;

/**
 * Runs business instances as child processes: restarts a crashed one after an exponential back-off, keeps
 * stdout/stderr in rotated files under `<stateDir>/logs/<name>/`, stops with SIGTERM then SIGKILL, and
 * persists the wanted set in `<stateDir>/instances.json` so an agent restart brings them back.
 */
export class InstanceSupervisor {
  private readonly instances = new Map<string, Instance>();
  /** CPU and memory of the supervised processes, reported with each instance. */
  private readonly usage = new ProcessUsage();
  private readonly stateFile: string;
  private closing = false;

  constructor(private readonly options: SupervisorOptions) {
    mkdirSync(options.stateDir, { recursive: true });
    this.stateFile = join(options.stateDir, 'instances.json');
  }

  /** Starts every instance that was wanted when the agent last stopped. */
  restoreWanted(): void {
    if (!existsSync(this.stateFile)) return;
    const wanted = JSON.parse(readFileSync(this.stateFile, 'utf8')) as InstanceSpec[];
    for (const spec of wanted) if (existsSync(join(spec.packageDir, spec.entry))) this.launch(this.register(spec));
  }

  /** Starts (or replaces) an instance and waits until its port accepts connections. */
  async start(spec: InstanceSpec, healthTimeoutMs: number): Promise<InstanceReport> {
    if (this.instances.has(spec.name)) await this.stop(spec.name);
    const instance = this.register(spec);
    this.persist();
    this.launch(instance);
    await this.waitHealthy(instance, healthTimeoutMs);
    return this.report(instance);
  }

  /** Stops an instance gracefully and forgets it. */
  async stop(name: string, graceMs = this.options.stopGraceMs ?? 5_000): Promise<InstanceReport> {
    const instance = this.get(name);
    instance.status = 'stopping';
    if (instance.timer) clearTimeout(instance.timer);
    instance.timer = null;
    await this.terminate(instance, graceMs);
    instance.status = 'stopped';
    instance.out.close();
    instance.err.close();
    this.instances.delete(name);
    if (!this.closing) this.persist();
    return this.report(instance);
  }

  /** Stops and starts an instance with the same spec. */
  async restart(name: string, healthTimeoutMs: number): Promise<InstanceReport> {
    const { spec } = this.get(name);
    await this.stop(name);
    return this.start(spec, healthTimeoutMs);
  }

  /** Every instance as reported in heartbeats. */
  list(): InstanceReport[] {
    const reports = [...this.instances.values()].map((i) => this.report(i));
    this.usage.retain(new Set(reports.flatMap((r) => (r.pid === null ? [] : [r.pid]))));
    return reports;
  }

  /** The spec of a running instance, if any. */
  specOf(name: string): InstanceSpec | undefined {
    return this.instances.get(name)?.spec;
  }

  /** Stops every instance (agent shutdown); the wanted set stays on disk. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.instances.keys()].map((name) => this.stop(name)));
  }

  private get(name: string): Instance {
    const instance = this.instances.get(name);
    if (!instance) throw new AgentCommandError(AgentErrorCode.instanceNotFound, `no instance named ${name} on this host`, { name });
    return instance;
  }

  private register(spec: InstanceSpec): Instance {
    const logDir = join(this.options.stateDir, 'logs', spec.name);
    const instance: Instance = {
      spec,
      child: null,
      status: 'starting',
      restarts: 0,
      consecutiveCrashes: 0,
      startedAt: 0,
      timer: null,
      out: new RotatingLog(join(logDir, 'stdout.log')),
      err: new RotatingLog(join(logDir, 'stderr.log')),
      exited: null,
      lastExit: null,
    };
    this.instances.set(spec.name, instance);
    return instance;
  }

  private launch(instance: Instance): void {
    const { spec } = instance;
    const run = spec.run ?? DEFAULT_RUN_MANIFEST;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...run.env,
      ...spec.env,
      MSEC_SERVICE: spec.service,
      MSEC_PORT: String(spec.port),
      MSEC_HOST: this.options.hostIp,
      MSEC_CONFIG_FILE: spec.configFile ?? '',
      MSEC_NATS_URL: this.options.natsUrl,
      ...(this.options.natsTlsCa ? { MSEC_NATS_TLS_CA: resolvePath(this.options.natsTlsCa) } : {}),
      MSEC_ZK_CONNECT: this.options.zkConnect,
      MSEC_STREAM_REPLICAS: String(this.options.streamReplicas ?? 1),
      MSEC_DATA_DIR: join(this.options.stateDir, 'data', spec.name),
      ...(this.options.hostId ? { MSEC_HOST_ID: this.options.hostId } : {}),
    };
    const [file, ...args] = runCommand(run, spec.entry, env, process.execPath);
    const child = spawn(file!, args, { cwd: spec.packageDir, stdio: ['ignore', 'pipe', 'pipe'], env });
    instance.child = child;
    instance.status = 'starting';
    instance.startedAt = Date.now();
    child.stdout?.on('data', (chunk: Buffer) => instance.out.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => instance.err.write(chunk));
    instance.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => this.handleChildExit(instance, child, code, signal));
    // A command that cannot be run at all (its program gone from PATH since the start check) never emits 'exit':
    // it ends like a crash, with the reason in the instance's log.
    child.once('error', (error) => {
      instance.err.write(`[agent] cannot run ${file}: ${error.message}\n`);
      if (child.pid === undefined) child.emit('exit', null, null);
    });
    void this.markRunningWhenListening(instance, child);
  }

  /** After a restart (crash or agent start) nobody waits for the port: this marks the instance running once it listens. */
  private async markRunningWhenListening(instance: Instance, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (instance.child === child && instance.status === 'starting' && Date.now() < deadline) {
      if (await this.healthy(instance)) {
        if (instance.child === child && instance.status === 'starting') instance.status = 'running';
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private handleChildExit(instance: Instance, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (instance.child !== child) return;
    instance.child = null;
    instance.lastExit = signal ? `signal ${signal}` : `code ${code}`;
    if (instance.status === 'stopping' || instance.status === 'stopped' || this.closing) return;
    instance.err.write(`[agent] ${instance.spec.name} exited (code ${code}, signal ${signal}); restarting\n`);
    instance.consecutiveCrashes = Date.now() - instance.startedAt > STABLE_RUN_MS ? 1 : instance.consecutiveCrashes + 1;
    const delay = Math.min(
      this.options.maxBackoffMs ?? 30_000,
      (this.options.baseBackoffMs ?? 500) * 2 ** (instance.consecutiveCrashes - 1),
    );
    instance.status = 'backoff';
    instance.timer = setTimeout(() => {
      instance.timer = null;
      if (instance.status !== 'backoff') return;
      instance.restarts += 1;
      this.launch(instance);
    }, delay);
  }

  private async terminate(instance: Instance, graceMs: number): Promise<void> {
    const child = instance.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = instance.exited ?? Promise.resolve();
    child.kill(instance.spec.run?.stopSignal ?? 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    if ((await Promise.race([exited, late])) === 'late') {
      child.kill('SIGKILL');
      await exited;
    }
    clearTimeout(timer);
  }

  private async waitHealthy(instance: Instance, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let crashed = false;
    while (Date.now() < deadline) {
      crashed = instance.status === 'backoff' || (instance.child === null && instance.status === 'starting');
      if (crashed) break;
      if (await this.healthy(instance)) {
        instance.status = 'running';
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const logs = join(this.options.stateDir, 'logs', instance.spec.name);
    const address = `${this.options.hostIp}:${instance.spec.port}`;
    await this.stop(instance.spec.name, 1_000);
    throw new AgentCommandError(
      AgentErrorCode.commandFailed,
      crashed
        ? `instance ${instance.spec.name} exited (${instance.lastExit ?? 'unknown status'}) before it accepted connections on ${address}; see ${logs}`
        : instance.spec.run?.health.type === 'http'
          ? `instance ${instance.spec.name} did not answer GET ${instance.spec.run.health.path} on ${address} with 2xx within ${timeoutMs} ms; see ${logs}`
          : `instance ${instance.spec.name} did not accept connections on ${address} within ${timeoutMs} ms; see ${logs}`,
      {
        name: instance.spec.name,
      },
    );
  }

  /** The package's health check: its port accepts connections, or GET of its health path answers 2xx. */
  private healthy(instance: Instance): Promise<boolean> {
    const health = instance.spec.run?.health;
    if (health?.type === 'http') return httpOk(`http://${this.options.hostIp}:${instance.spec.port}${health.path}`);
    return portOpen(this.options.hostIp, instance.spec.port);
  }

  private report(instance: Instance): InstanceReport {
    const pid = instance.child?.pid ?? null;
    return {
      name: instance.spec.name,
      service: instance.spec.service,
      port: instance.spec.port,
      status: instance.status,
      pid,
      restarts: instance.restarts,
      packageVersion: instance.spec.packageVersion,
      ...(pid === null ? {} : this.usage.sample(pid)),
    };
  }

  private persist(): void {
    const wanted = [...this.instances.values()].map((i) => i.spec);
    // The specs hold each instance's credentials (its environment): readable by the agent's user only.
    writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(wanted, null, 2), { mode: 0o600 });
    renameSync(`${this.stateFile}.tmp`, this.stateFile);
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
