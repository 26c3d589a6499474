import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** How to run one platform process under supervision. */
export interface SupervisedSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  /** Prefix printed before each output line in the foreground; undefined when detached. */
  prefix?: string;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A child that stayed up this long is considered healthy again, so its back-off starts over. */
const STABLE_AFTER_MS = 60_000;

/** Runs a child process, mirrors its output, and restarts it with exponential back-off when it dies unasked. */
export class SupervisedProcess {
  readonly name: string;
  restarts = 0;
  private child: ChildProcess | undefined;
  private stopping = false;
  private backoffMs = MIN_BACKOFF_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly log: WriteStream;

  constructor(
    private readonly spec: SupervisedSpec,
    private readonly onRestart: (process: SupervisedProcess) => void,
  ) {
    this.name = spec.name;
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
  }

  /** Current pid, or -1. */
  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** Starts the child now. */
  start(): void {
    const startedAt = Date.now();
    const child = spawn(this.spec.command, this.spec.args, { cwd: this.spec.cwd, env: this.spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.log.write(`${line}\n`);
        if (this.spec.prefix !== undefined) process.stdout.write(`${this.spec.prefix} ${line}\n`);
      });
    }
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      if (Date.now() - startedAt > STABLE_AFTER_MS) this.backoffMs = MIN_BACKOFF_MS;
      const line = `exited (${signal ?? `code ${code}`}); restarting in ${this.backoffMs} ms`;
      this.log.write(`[msec] ${line}\n`);
      if (this.spec.prefix !== undefined) process.stdout.write(`${this.spec.prefix} ${line}\n`);
      this.restartTimer = setTimeout(() => {
        this.restarts += 1;
        this.start();
        this.onRestart(this);
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    });
  }

  /** SIGTERM, then SIGKILL after graceMs; never restarts afterwards. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}
