import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';

/** A platform service as its own process, as ./msec up runs it (`main` relative to the repository root). */
export function startProcess(main: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [join(REPO_ROOT, main)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Polls `ok` every 250 ms until it holds, failing after 60 s with what never became ready. */
export async function waitFor(what: string, ok: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 60_000;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > until) throw new Error(`${what} never became ready`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
