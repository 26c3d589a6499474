import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Polls until `check` is true or the time is up. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A bus worker in its own process (scheduler or consumer) that can be SIGKILLed like a crashed host. */
export interface Worker {
  proc: ChildProcess;
  /** JSON lines printed by the worker. */
  lines: Array<Record<string, unknown>>;
  ready: Promise<void>;
  kill(): Promise<void>;
}

/** Starts `fixtures/bus-worker.js` with a mode and JSON options. */
export function startWorker(mode: 'scheduler' | 'consumer', options: Record<string, unknown>): Worker {
  const script = fileURLToPath(new URL('./fixtures/bus-worker.js', import.meta.url));
  const proc = spawn(process.execPath, [script, mode, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Array<Record<string, unknown>> = [];
  const ready = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const rec = JSON.parse(line) as Record<string, unknown>;
      if (rec.ready) resolve();
      else lines.push(rec);
    });
  });
  return {
    proc,
    lines,
    ready,
    kill: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
