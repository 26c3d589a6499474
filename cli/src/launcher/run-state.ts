import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One process the launcher runs, as written to the state file for status and down. */
export interface ComponentState {
  name: string;
  /** infra: a server; service: a console service; host: an agent in its own network namespace; example: a demo instance. */
  kind: 'infra' | 'service' | 'host' | 'example';
  /** For servers: which kind (nats, zookeeper, redis); the name alone when absent (state of an older launcher). */
  server?: 'nats' | 'zookeeper' | 'redis';
  pid: number;
  /** The port it listens on, when it has one. */
  port?: number;
  url?: string;
  logFile: string;
  restarts: number;
  /** Health subject for platform services. */
  healthSubject?: string;
  /** Health over HTTP, for a second gateway (both answer the gateway's subject). */
  healthUrl?: string;
  /** For demo instances run by an agent: their service name (the agent's instance name). */
  service?: string;
  /** For hosts and demo instances: the host's id in the console. */
  hostId?: string;
  /** For hosts and demo instances: the address they are reached on. */
  ip?: string;
}

/** The network namespaces of the cluster profile's hosts, so `down` can remove them after a launcher that was killed. */
export interface ClusterNetworkState {
  /** The id in the bridge's, namespaces' and links' names. */
  id: string;
  hosts: number;
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
  /** Present for `./msec up --cluster`. */
  network?: ClusterNetworkState;
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
