import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { nextAgentHeartbeat } from '@msec/testing';
import { Objm } from '@nats-io/obj';
import { Component, DeploySubjects, Subjects, type HealthReport, type PackageUploadSlot, type PackageView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';

const require = createRequire(import.meta.url);
/** The agent's entry point, found through the workspace package. */
export const AGENT_MAIN = join(dirname(require.resolve('@msec/agent')), 'main.js');
/** The deploy service's entry point (dist/src/main.js), from dist/test/helpers. */
export const DEPLOY_MAIN = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'src', 'main.js');
/** The repository root, from services/deploy/dist/test/helpers. */
export const REPO_ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..', '..', '..');

/** Uploads a package the way the gateway does: a staging slot, the bytes into the Object Store, then register. */
export async function uploadStaged(nc: NatsConnection, bytes: Buffer, sha256: string): Promise<PackageView> {
  const slot = await natsRequest<PackageUploadSlot>(nc, DeploySubjects.packagesStage, {});
  const uploads = await new Objm(nc).open(slot.bucket);
  await uploads.putBlob({ name: slot.object }, bytes);
  return natsRequest<PackageView>(nc, DeploySubjects.packagesRegister, { object: slot.object, sha256, size: bytes.length }, 30_000);
}

/** Polls until probe returns a value. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (${String(lastError)})`);
}

/** A child process with captured output that can be signalled and awaited. */
export class Child {
  child: ChildProcess | null = null;
  output = '';

  constructor(
    private readonly main: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Spawns the process. */
  spawn(): void {
    this.output = '';
    this.child = spawn(process.execPath, [this.main], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Signals the process and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** One agent on a loopback address. */
export class AgentHost extends Child {
  constructor(
    readonly hostId: string,
    readonly hostIp: string,
    readonly stateDir: string,
    keyFile: string,
    natsEnv: Record<string, string>,
    heartbeatMs = 500,
    zkConnect = '127.0.0.1:2181',
  ) {
    mkdirSync(stateDir, { recursive: true });
    super(AGENT_MAIN, {
      ...natsEnv,
      MSEC_ZK_CONNECT: zkConnect,
      MSEC_HOST_ID: hostId,
      MSEC_HOST_IP: hostIp,
      MSEC_CONSOLE_KEY: keyFile,
      MSEC_AGENT_DIR: stateDir,
      MSEC_AGENT_HEARTBEAT_MS: String(heartbeatMs),
    });
  }

  /** Starts the agent and waits for its first heartbeat. */
  async start(nc: NatsConnection): Promise<void> {
    const first = nextAgentHeartbeat(nc, this.hostId, 20_000);
    this.spawn();
    try {
      await first;
    } catch (error) {
      throw new Error(`${String(error)}\nagent output:\n${this.output}`);
    }
  }
}

/** The deploy service as a child process (so a test can SIGKILL it mid-release). */
export class DeployProcess extends Child {
  constructor(natsEnv: Record<string, string>, redisUrl: string, dataDir: string, env: Record<string, string> = {}) {
    super(DEPLOY_MAIN, { ...natsEnv, MSEC_REDIS_URL: redisUrl, MSEC_DATA_DIR: dataDir, MSEC_DB_URL: '', ...env });
  }

  /** Starts it and waits until it answers hosts.list. */
  async start(nc: NatsConnection): Promise<void> {
    this.spawn();
    try {
      await eventually('deploy answers', async () => {
        const reply = await nc.request(
          DeploySubjects.hostsList,
          JSON.stringify({ id: 'probe', pattern: DeploySubjects.hostsList, data: {} }),
          { timeout: 1000 },
        );
        return reply.json<{ response?: unknown }>().response !== undefined ? true : undefined;
      });
    } catch (error) {
      throw new Error(`${String(error)}\ndeploy output:\n${this.output}`);
    }
  }
}

/** The registry service as a child process (it scales out what a release announces). */
export class RegistryProcess extends Child {
  constructor(natsEnv: Record<string, string>, zkConnect: string, dataDir: string, env: Record<string, string> = {}) {
    super(join(REPO_ROOT, 'services', 'registry', 'dist', 'src', 'main.js'), {
      ...natsEnv,
      MSEC_ZK_CONNECT: zkConnect,
      MSEC_DATA_DIR: dataDir,
      MSEC_DB_URL: '',
      NO_COLOR: '1',
      ...env,
    });
  }

  /** Starts it and waits until it reports ready. */
  async start(nc: NatsConnection): Promise<void> {
    this.spawn();
    try {
      await eventually('registry ready', async () =>
        (await natsRequest<HealthReport>(nc, Subjects.health(Component.registry), {}, 1000)).ready ? true : undefined,
      );
    } catch (error) {
      throw new Error(`${String(error)}\nregistry output:\n${this.output}`);
    }
  }
}
