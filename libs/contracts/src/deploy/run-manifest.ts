/** Name of the optional file at a package's root that says how to run it. */
export const RUN_MANIFEST_FILE = 'msec.json';

/** How the agent starts a package's entry. */
export const PackageRuntime = {
  /** `node <entry>` with the host's MSEC runtime (the default, and what a package without msec.json gets). */
  node: 'node',
  /** `python3 <entry>`. */
  python: 'python',
  /** `java -jar <entry>`. */
  java: 'java',
  /** The entry itself, a native executable (or a script with a `#!` line). */
  exec: 'exec',
} as const;
/** One of PackageRuntime. */
export type PackageRuntime = (typeof PackageRuntime)[keyof typeof PackageRuntime];

/** Signals a package may ask to be stopped with (then SIGKILL after the grace period). */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;
/** One of STOP_SIGNALS. */
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** When an instance counts as up: its port accepts TCP connections, or an HTTP GET of a path on it answers 2xx. */
export type HealthCheck = { type: 'tcp' } | { type: 'http'; path: string };

/** `msec.json`, checked: how to start, probe and stop a package's process. */
export interface RunManifest {
  runtime: PackageRuntime;
  /**
   * The command line instead of the runtime's (`["bin/server", "--port", "${MSEC_PORT}"]`): the first word is a file
   * of the package (a relative path with a folder), a program on the host's PATH (a bare name) or an absolute path on
   * the host; `${NAME}` in any word is replaced by that environment variable.
   */
  start?: string[];
  health: HealthCheck;
  stopSignal: StopSignal;
  /** Fixed environment of the process; the release's env and the agent's MSEC_* variables override it. */
  env: Record<string, string>;
  /** Variables the process cannot run without: starting fails, naming the missing one, when the release gives none. */
  requiresEnv: string[];
}

/** What a package without msec.json runs as. */
export const DEFAULT_RUN_MANIFEST: RunManifest = Object.freeze({
  runtime: PackageRuntime.node,
  health: { type: 'tcp' },
  stopSignal: 'SIGTERM',
  env: {},
  requiresEnv: [],
}) as RunManifest;

const KNOWN_KEYS = new Set(['runtime', 'start', 'health', 'stopSignal', 'env', 'requiresEnv']);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The agent's own variables: a package cannot set them (it would misreport its port or identity). */
const RESERVED_ENV = /^MSEC_/;

/**
 * Checks the text of a package's msec.json. Returns the manifest, or every problem found, each naming the field
 * (`msec.json.runtime: …`) and what to write instead.
 */
export function parseRunManifest(text: string): { manifest: RunManifest; problems: [] } | { manifest?: undefined; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problems: [`msec.json: is not JSON (${error instanceof Error ? error.message : String(error)})`] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problems: ['msec.json: must be a JSON object'] };
  const r = raw as Record<string, unknown>;
  const problems: string[] = [];
  const bad = (field: string, fix: string): void => void problems.push(`msec.json.${field}: ${fix}`);
  for (const key of Object.keys(r)) if (!KNOWN_KEYS.has(key)) bad(key, `is not a known key; use ${[...KNOWN_KEYS].join(', ')}`);

  const runtimes = Object.values(PackageRuntime) as string[];
  const runtime = r.runtime ?? (r.start === undefined ? PackageRuntime.node : PackageRuntime.exec);
  if (typeof runtime !== 'string' || !runtimes.includes(runtime)) bad('runtime', `must be one of ${runtimes.join(', ')}`);

  let start: string[] | undefined;
  if (r.start !== undefined) {
    if (!Array.isArray(r.start) || r.start.length === 0 || !r.start.every((w) => typeof w === 'string' && w.length > 0))
      bad('start', 'must be a non-empty array of non-empty strings (the command and its arguments; no shell)');
    else start = r.start as string[];
  }

  let health: HealthCheck = { type: 'tcp' };
  if (r.health !== undefined) {
    const h = r.health as Record<string, unknown>;
    if (typeof h !== 'object' || h === null || Array.isArray(h))
      bad('health', 'must be {"type":"tcp"} or {"type":"http","path":"/health"}');
    else if (h.type === 'tcp') health = { type: 'tcp' };
    else if (h.type === 'http') {
      if (typeof h.path !== 'string' || !h.path.startsWith('/')) bad('health.path', 'must be a path starting with "/", e.g. "/health"');
      else health = { type: 'http', path: h.path };
    } else bad('health.type', 'must be "tcp" (the port accepts connections) or "http" (GET health.path answers 2xx)');
  }

  const stopSignal = r.stopSignal ?? 'SIGTERM';
  if (typeof stopSignal !== 'string' || !(STOP_SIGNALS as readonly string[]).includes(stopSignal))
    bad('stopSignal', `must be one of ${STOP_SIGNALS.join(', ')}`);

  const env: Record<string, string> = {};
  if (r.env !== undefined) {
    if (typeof r.env !== 'object' || r.env === null || Array.isArray(r.env)) bad('env', 'must be an object of NAME: "value" strings');
    else
      for (const [name, value] of Object.entries(r.env as Record<string, unknown>)) {
        if (!ENV_NAME.test(name)) bad(`env.${name}`, 'must be a variable name (letters, digits, "_")');
        else if (RESERVED_ENV.test(name)) bad(`env.${name}`, 'MSEC_* variables are set by the agent; choose another name');
        else if (typeof value !== 'string') bad(`env.${name}`, 'must be a string');
        else env[name] = value;
      }
  }

  const requiresEnv: string[] = [];
  if (r.requiresEnv !== undefined) {
    if (!Array.isArray(r.requiresEnv)) bad('requiresEnv', 'must be an array of variable names');
    else
      for (const name of r.requiresEnv as unknown[]) {
        if (typeof name !== 'string' || !ENV_NAME.test(name)) bad('requiresEnv', `${JSON.stringify(name)} is not a variable name`);
        else requiresEnv.push(name);
      }
  }

  if (problems.length > 0) return { problems };
  const manifest: RunManifest = {
    runtime: runtime as PackageRuntime,
    health,
    stopSignal: stopSignal as StopSignal,
    env,
    requiresEnv,
    ...(start ? { start } : {}),
  };
  return { manifest, problems: [] };
}

/**
 * The command line that runs a package: `start` with `${NAME}` replaced from `env`, else the runtime's command for
 * the entry. `node` is the agent's own Node binary (`nodePath`).
 */
export function runCommand(manifest: RunManifest, entry: string, env: Record<string, string | undefined>, nodePath: string): string[] {
  if (manifest.start)
    return manifest.start.map((word) => word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ''));
  switch (manifest.runtime) {
    case PackageRuntime.python:
      return ['python3', entry];
    case PackageRuntime.java:
      return ['java', '-jar', entry];
    case PackageRuntime.exec:
      return [`./${entry}`];
    default:
      return [nodePath, entry];
  }
}
