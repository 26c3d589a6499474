import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MsecError } from '@msec/contracts';
import { ManagedProcess, waitUntilReady, type ProcessSpec } from './managed-process.js';
import { freePort, isPortTaken } from './ports.js';

/** Prefix of every temporary folder the harness makes; `msec test` sweeps processes that still name one. */
export const TEMP_DIR_PREFIX = 'msec-test-';

/** Where and how a server runs; every field has a default for tests. */
export interface ServerOptions {
  /** Folder for data, logs and pid; a fresh temp folder (removed on stop) when omitted. */
  dir?: string;
  host?: string;
  /** A free port is picked when omitted. */
  port?: number;
  /** How long to wait for readiness. */
  readyTimeoutMs?: number;
}

/** What a concrete server kind provides: how to lay out its folder, launch and probe it. */
export interface ServerKind {
  name: string;
  defaultReadyTimeoutMs: number;
  prepare(dir: string, host: string, port: number): Promise<void> | void;
  spec(dir: string, host: string, port: number): ProcessSpec;
  probe(host: string, port: number): Promise<boolean>;
  /** How clients address this server (nats://…, redis://…, host:port for ZooKeeper). */
  url(host: string, port: number): string;
}

/** How many free ports a server started on a port of its own choosing tries before giving up. */
const PORT_ATTEMPTS = 3;

function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && /address already in use|BindException/i.test(error.message);
}

/** A real server on loopback that can be stopped, killed and started again on the same port and data. */
export class InfraServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  private readonly ownsDir: boolean;
  private readonly kind: ServerKind;
  private readonly readyTimeoutMs: number;
  private proc: ManagedProcess | undefined;

  private constructor(kind: ServerKind, dir: string, ownsDir: boolean, host: string, port: number, readyTimeoutMs: number) {
    this.kind = kind;
    this.url = kind.url(host, port);
    this.name = kind.name;
    this.dir = dir;
    this.ownsDir = ownsDir;
    this.host = host;
    this.port = port;
    this.readyTimeoutMs = readyTimeoutMs;
  }

  /** Lays out the folder, starts the server and waits until it really serves. */
  static async launch(kind: ServerKind, options: ServerOptions = {}): Promise<InfraServer> {
    const host = options.host ?? '127.0.0.1';
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}${kind.name}-`));
    mkdirSync(dir, { recursive: true });
    const port = options.port ?? (await freePort(host));
    if (options.port !== undefined && (await isPortTaken(port, host))) {
      throw new MsecError('INFRA_PORT_TAKEN', `${kind.name}: port ${host}:${port} is already in use; free it or choose another port`, {
        status: 409,
        data: { component: kind.name, host, port },
      });
    }
    const readyTimeoutMs = options.readyTimeoutMs ?? kind.defaultReadyTimeoutMs;
    for (let attempt = 1, chosen = port; ; attempt += 1) {
      const server = new InfraServer(kind, dir, ownsDir, host, chosen, readyTimeoutMs);
      await kind.prepare(dir, host, chosen);
      try {
        await server.start();
        return server;
      } catch (error) {
        // A port the kernel called free can be taken by another test process before the server binds it: take another.
        if (options.port === undefined && attempt < PORT_ATTEMPTS && isAddressInUse(error)) {
          chosen = await freePort(host);
          continue;
        }
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  /** Operating-system pid, or -1 when not running. */
  get pid(): number {
    return this.proc?.alive ? this.proc.pid : -1;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.proc?.alive ?? false;
  }

  /** The log file of the current process. */
  get logFile(): string {
    return join(this.dir, `${this.name}.log`);
  }

  /** Starts the process (again) and waits for readiness. */
  async start(): Promise<void> {
    if (this.running) return;
    this.proc = ManagedProcess.start(this.kind.spec(this.dir, this.host, this.port));
    await waitUntilReady(this.proc, () => this.kind.probe(this.host, this.port), this.readyTimeoutMs);
  }

  /** Graceful stop; data stays so start() can resume it. */
  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  /** SIGKILL: a crash or power loss, as far as the server can tell. */
  async kill(): Promise<void> {
    if (!this.proc?.alive) return;
    this.proc.signal('SIGKILL');
    await this.proc.waitForExit();
  }

  /** Stop, then start on the same port and data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the server and removes its folder if the harness made it. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
