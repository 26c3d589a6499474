import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One process the launcher runs, as written to the state file for status and down. */
export interface ComponentState {
  name: string;
  kind: 'infra' | 'service' | 'example';
  pid: number;
  /** The port it listens on, when it has one. */
  port?: number;
  url?: string;
  logFile: string;
  restarts: number;
  /** Health subject for platform services. */
  healthSubject?: string;
  /** For demo instances run by the local agent: their service name (the agent's instance name). */
  service?: string;
}

/** The whole running stack. */
export interface RunState {
  launcherPid: number;
  startedAt: string;
  natsUrl: string;
  zkConnect: string;
  redisUrl: string;
  consoleUrl: string;
  ready: boolean;
  components: ComponentState[];
}

/** Reads the state file, or undefined when nothing runs. */
export function readRunState(file: string): RunState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

/** Writes the state atomically so status never reads half a file. */
export function writeRunState(file: string, state: RunState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, file);
}

/** Removes the state file once everything is stopped. */
export function clearRunState(file: string): void {
  rmSync(file, { force: true });
}

/** True when a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
