import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { MsecError } from '@msec/contracts';

/** How to launch one server process. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr go to this file. */
  logFile: string;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every server this process started, synchronously: the last line of defence when a test run dies. */
function killAllNow(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllNow);
}

/** A child process we started, with its log file; stop() always resolves once the process is gone. */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private exited = false;
  private readonly exitPromise: Promise<number | null>;

  private constructor(spec: ProcessSpec, child: ChildProcess) {
    this.name = spec.name;
    this.logFile = spec.logFile;
    this.child = child;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exited = true;
        running.delete(child);
        resolve(code);
      });
      child.once('error', () => {
        this.exited = true;
        running.delete(child);
        resolve(null);
      });
    });
  }

  /** Starts the process with its output appended to the log file. */
  static start(spec: ProcessSpec): ManagedProcess {
    installExitHook();
    const logFd = openSync(spec.logFile, 'a');
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    running.add(child);
    return new ManagedProcess(spec, child);
  }

  /** Operating-system process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return !this.exited;
  }

  /** Resolves with the exit code when the process ends. */
  waitForExit(): Promise<number | null> {
    return this.exitPromise;
  }

  /** The last lines of the process's log, for error messages. */
  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Sends a signal (SIGKILL to simulate a crash, SIGSTOP to freeze). */
  signal(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}

/** Polls probe until it returns true; fails fast with the log tail if the process dies first. */
export async function waitUntilReady(proc: ManagedProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!proc.alive) {
      throw new MsecError('INFRA_START_FAILED', `${proc.name} exited during start-up; its log ends:\n${proc.logTail()}`, {
        status: 503,
        data: { component: proc.name, logFile: proc.logFile },
      });
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await proc.stop(1000);
  const reason = lastError instanceof Error ? ` (last probe error: ${lastError.message})` : '';
  throw new MsecError(
    'INFRA_START_TIMEOUT',
    `${proc.name} was not ready within ${timeoutMs} ms${reason}; its log ends:\n${proc.logTail()}`,
    {
      status: 503,
      data: { component: proc.name, logFile: proc.logFile },
    },
  );
}
