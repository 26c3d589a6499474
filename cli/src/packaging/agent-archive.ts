import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

/** The archive's top folder: everything unpacks under it. */
export const AGENT_ARCHIVE_ROOT = 'msec-agent';

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

/** Where Node would find `name` from a package folder: its own node_modules, then each parent's. */
function resolvePackage(name: string, from: string, repoRoot: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === repoRoot || dir === dirname(dir)) return undefined;
  }
}

/**
 * Every package folder the agent needs at run time: its own, the workspace packages it depends on, and their
 * dependencies' folders under node_modules (production dependencies only, as installed).
 */
export function agentRuntimeClosure(repoRoot: string): { workspaces: string[]; modules: string[] } {
  const workspaces = new Set<string>();
  const modules = new Set<string>();
  const visit = (dir: string): void => {
    const real = realpathSync(dir);
    const inRepo = !relative(repoRoot, real).startsWith('node_modules');
    const seen = inRepo ? workspaces : modules;
    const key = inRepo ? relative(repoRoot, real) : relative(repoRoot, dir);
    if (seen.has(key)) return;
    seen.add(key);
    const pkg = readPackage(real);
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      // Workspace packages resolve from the repository root, installed ones from where they sit.
      const found = resolvePackage(name, inRepo ? real : dir, repoRoot) ?? resolvePackage(name, repoRoot, repoRoot);
      if (found) visit(found);
    }
  };
  visit(join(repoRoot, 'agent'));
  return { workspaces: [...workspaces].sort(), modules: [...modules].sort() };
}

const START_SCRIPT = `#!/bin/sh
# Starts this host's MSEC-TS agent. First start: ./start-agent.sh --gateway URL --enroll TOKEN [--ip IP] [--nats URL]
# (the token from ./msec hosts enroll HOST on the console machine). Later starts: ./start-agent.sh
# --dir DIR keeps the agent's state elsewhere (default: ./state beside this script).
here=$(cd "$(dirname "$0")" && pwd)
export MSEC_AGENT_DIR="\${MSEC_AGENT_DIR:-$here/state}"
while [ $# -gt 0 ]; do
  case "$1" in
    --gateway) export MSEC_GATEWAY_URL="$2"; shift 2 ;;
    --enroll) export MSEC_ENROLL_TOKEN="$2"; shift 2 ;;
    --nats) export MSEC_NATS_URL="$2"; shift 2 ;;
    --ip) export MSEC_HOST_IP="$2"; shift 2 ;;
    --dir) export MSEC_AGENT_DIR="$2"; shift 2 ;;
    *) echo "start-agent.sh: unknown option $1 (--gateway URL --enroll TOKEN [--ip IP] [--nats URL] [--dir DIR])" >&2; exit 2 ;;
  esac
done
command -v node >/dev/null 2>&1 || { echo "start-agent.sh: Node.js 20 or newer is required on this host" >&2; exit 1; }
# A 1 MiB young generation keeps the agent near 60 MB resident.
exec node --max-semi-space-size=1 "$here/agent/dist/src/main.js"
`;

/**
 * `./msec package agent`: one tar.gz holding the built agent, the workspace packages and installed modules it needs,
 * and `start-agent.sh`; it runs on a host with only Node installed (same OS and CPU: native modules are included).
 */
export function buildAgentArchive(repoRoot: string, out: string): { file: string; bytes: number; packages: number } {
  if (!existsSync(join(repoRoot, 'agent', 'dist', 'src', 'main.js'))) throw new Error('the agent is not built: run the build first');
  const stage = mkdtempSync(join(tmpdir(), 'msec-agent-archive-'));
  try {
    const root = join(stage, AGENT_ARCHIVE_ROOT);
    const { workspaces, modules } = agentRuntimeClosure(repoRoot);
    for (const ws of workspaces) {
      mkdirSync(join(root, ws), { recursive: true });
      cpSync(join(repoRoot, ws, 'package.json'), join(root, ws, 'package.json'));
      // Only what runs: compiled sources, not tests, declarations stay (small) for stack traces' sake.
      cpSync(join(repoRoot, ws, 'dist', 'src'), join(root, ws, 'dist', 'src'), { recursive: true });
      const name = readPackage(join(repoRoot, ws)).name;
      const link = join(root, 'node_modules', name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(relative(dirname(link), join(root, ws)), link);
    }
    for (const mod of modules) {
      cpSync(join(repoRoot, mod), join(root, mod), {
        recursive: true,
        dereference: false,
        // A module's own nested node_modules are listed on their own when needed.
        filter: (path) => !relative(join(repoRoot, mod), path).split('/').includes('node_modules'),
      });
    }
    writeFileSync(join(root, 'start-agent.sh'), START_SCRIPT);
    chmodSync(join(root, 'start-agent.sh'), 0o755);
    const file = resolve(out);
    execFileSync('tar', ['-czf', file, '-C', stage, AGENT_ARCHIVE_ROOT]);
    return { file, bytes: statSync(file).size, packages: workspaces.length + modules.length };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
