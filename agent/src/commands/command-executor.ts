import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import {
  AgentCommandType,
  PackageRuntime,
  parseRunManifest,
  RUN_MANIFEST_FILE,
  type CanonicalValue,
  type ExecCommandResult,
  type RunManifest,
  type SignedCommand,
} from '@msec/contracts';
import { AgentCommandError, AgentErrorCode, badArgs } from '../agent.errors.js';
import type { InstanceSupervisor } from '../supervisor/instance-supervisor.js';
import type { KeyRing } from './key-ring.js';
import type { PackageSource } from './package-fetcher.js';
import { unpackPackage } from './package-unpacker.js';

type Args = { [key: string]: CanonicalValue };
type Result = { [key: string]: CanonicalValue };

const OUTPUT_LIMIT = 64 * 1024;
const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const BUCKET = /^[A-Za-z0-9_-]{1,64}$/;
/** Largest package an install-package command may name (the deploy service's limit is lower by default). */
const MAX_PACKAGE_BYTES = 1024 * 1024 * 1024;

function str(args: Args, field: string, pattern?: RegExp): string {
  const value = args[field];
  if (typeof value !== 'string' || value === '') throw badArgs(field, 'must be a non-empty string');
  if (pattern && !pattern.test(value)) throw badArgs(field, `must match ${pattern}`);
  return value;
}

function int(args: Args, field: string, min: number, max: number, fallback?: number): number {
  const value = args[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw badArgs(field, `must be an integer in ${min}..${max}`);
  return value;
}

/** Resolves a relative path inside root; anything escaping it is refused. */
function inside(root: string, path: string, field: string): string {
  if (isAbsolute(path)) throw badArgs(field, 'must be relative to the agent folder');
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw badArgs(field, 'must stay inside the agent folder (no "..")');
  return full;
}

/**
 * Runs verified commands. Files live under `<stateDir>/files`, packages under `<stateDir>/packages/<name>/<version>`;
 * a package without its own `node_modules` gets a link to `runtimeModules` (the host's MSEC runtime, which
 * holds `@msec/sdk`), so packages carry business code only.
 */
export class CommandExecutor {
  private readonly filesDir: string;
  private readonly packagesDir: string;

  constructor(
    private readonly stateDir: string,
    private readonly supervisor: InstanceSupervisor,
    private readonly keys: KeyRing,
    private readonly packages: PackageSource,
    private readonly runtimeModules: string | null,
  ) {
    this.filesDir = join(stateDir, 'files');
    this.packagesDir = join(stateDir, 'packages');
    mkdirSync(this.filesDir, { recursive: true });
    mkdirSync(this.packagesDir, { recursive: true });
  }

  /** Executes one verified command and returns its result. */
  async execute(command: SignedCommand): Promise<Result> {
    const { type, args } = command.envelope;
    switch (type) {
      case AgentCommandType.putFile:
        return this.putFile(args);
      case AgentCommandType.getFile:
        return this.getFile(args);
      case AgentCommandType.installPackage:
        return this.installPackage(args);
      case AgentCommandType.startInstance:
        return this.startInstance(args);
      case AgentCommandType.stopInstance:
        return { instance: { ...(await this.supervisor.stop(str(args, 'name', NAME), int(args, 'graceMs', 0, 60_000, 5_000))) } };
      case AgentCommandType.restartInstance:
        return {
          instance: { ...(await this.supervisor.restart(str(args, 'name', NAME), int(args, 'healthTimeoutMs', 100, 60_000, 5_000))) },
        };
      case AgentCommandType.exec:
        return this.exec(args);
      case AgentCommandType.rotateKey: {
        const rotated = this.keys.rotate(str(args, 'publicKey'), int(args, 'overlapSeconds', 0, 30 * 86_400) * 1000, Date.now());
        return { keyId: rotated.keyId, retiring: rotated.retiring, retireAt: rotated.retireAt };
      }
      default:
        throw new AgentCommandError(AgentErrorCode.unknownType, `unknown command type "${type}"`);
    }
  }

  private putFile(args: Args): Result {
    const path = str(args, 'path');
    const target = inside(this.filesDir, path, 'path');
    const content = Buffer.from(str(args, 'contentBase64'), 'base64');
    mkdirSync(resolve(target, '..'), { recursive: true });
    writeFileSync(`${target}.tmp`, content, { mode: int(args, 'mode', 0, 0o777, 0o644) });
    renameSync(`${target}.tmp`, target);
    return { path, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') };
  }

  private getFile(args: Args): Result {
    const root = args.root === 'logs' ? join(this.stateDir, 'logs') : this.filesDir;
    const path = str(args, 'path');
    const target = inside(root, path, 'path');
    if (!existsSync(target)) throw badArgs('path', `${path} does not exist`);
    const content = readFileSync(target);
    return { path, bytes: content.length, contentBase64: content.toString('base64') };
  }

  private async installPackage(args: Args): Promise<Result> {
    const name = str(args, 'name', NAME);
    const version = str(args, 'version', /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/);
    const sha256 = str(args, 'sha256', /^[0-9a-f]{64}$/);
    const bucket = str(args, 'bucket', BUCKET);
    const object = str(args, 'object');
    const size = int(args, 'size', 1, MAX_PACKAGE_BYTES);
    const dir = join(this.packagesDir, name, version);
    const marker = join(dir, '.sha256');
    if (existsSync(marker) && readFileSync(marker, 'utf8') === sha256) {
      this.linkRuntime(dir);
      return { name, version, dir, reused: true };
    }
    const incoming = join(this.packagesDir, '.incoming');
    mkdirSync(incoming, { recursive: true });
    const id = randomUUID();
    const file = join(incoming, `${id}.tar.gz`);
    const staging = join(incoming, id);
    try {
      const fetched = await this.packages.fetch(bucket, object, file, size);
      const ref = { bucket, object };
      if (!fetched)
        throw new AgentCommandError(AgentErrorCode.packageNotFound, `${bucket}/${object} is not in the Object Store; upload it again`, ref);
      if (fetched.size !== size || fetched.sha256 !== sha256)
        throw new AgentCommandError(
          AgentErrorCode.packageChecksum,
          `${bucket}/${object} is ${fetched.size > size ? `over ${size}` : fetched.size} bytes with sha256 ${fetched.sha256}; ` +
            `the signed command says ${size} bytes, sha256 ${sha256}: the stored object was changed, nothing installed`,
          { ...ref, expected: sha256, actual: fetched.sha256 },
        );
      mkdirSync(staging, { recursive: true });
      await unpackPackage(file, staging);
      const manifest = readManifest(staging);
      if (manifest.name !== name || manifest.version !== version)
        throw badArgs('name', `manifest says ${manifest.name}@${manifest.version}, command says ${name}@${version}`);
      writeFileSync(join(staging, '.sha256'), sha256);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(join(dir, '..'), { recursive: true });
      renameSync(staging, dir);
      this.linkRuntime(dir);
      return { name, version, dir, bytes: fetched.size, reused: false };
    } finally {
      rmSync(file, { force: true });
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Lets the package's `import '@msec/sdk'` resolve: node looks in `<dir>/node_modules`, which links to the host's runtime. */
  private linkRuntime(dir: string): void {
    const link = join(dir, 'node_modules');
    if (!this.runtimeModules || existsSync(link)) return;
    symlinkSync(this.runtimeModules, link, 'dir');
  }

  private async startInstance(args: Args): Promise<Result> {
    const pkg = str(args, 'package', NAME);
    const version = str(args, 'version');
    const dir = join(this.packagesDir, pkg, version);
    if (!existsSync(join(dir, '.sha256')))
      throw new AgentCommandError(
        AgentErrorCode.packageNotFound,
        `package ${pkg}@${version} is not installed; send install-package first`,
        { package: pkg, version },
      );
    const manifest = readManifest(dir);
    const env: Record<string, string> = {};
    const rawEnv = args.env ?? {};
    if (typeof rawEnv !== 'object' || rawEnv === null || Array.isArray(rawEnv)) throw badArgs('env', 'must be an object of strings');
    for (const [key, value] of Object.entries(rawEnv)) {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(key) || typeof value !== 'string')
        throw badArgs(`env.${key}`, 'keys are upper-case names and values strings');
      env[key] = value;
    }
    const configFile = typeof args.configFile === 'string' ? inside(this.filesDir, args.configFile, 'configFile') : null;
    if (args.natsCreds !== undefined) env.MSEC_NATS_CREDS = this.writeServiceCreds(str(args, 'name', NAME), args.natsCreds);
    const run = readRunManifest(dir, manifest.entry);
    if (run) {
      const missing = run.requiresEnv.filter((name) => env[name] === undefined && run.env[name] === undefined);
      if (missing.length > 0)
        throw badArgs('env', `${pkg}@${version} needs ${missing.join(', ')} (msec.json requiresEnv); give them in the release's env`);
    }
    const instance = await this.supervisor.start(
      {
        name: str(args, 'name', NAME),
        service: str(args, 'service'),
        port: int(args, 'port', 1, 65_535),
        packageName: pkg,
        packageVersion: version,
        packageDir: dir,
        entry: manifest.entry,
        configFile,
        env,
        ...(run ? { run } : {}),
      },
      int(args, 'healthTimeoutMs', 100, 60_000, 5_000),
    );
    return { instance: { ...instance } };
  }

  /** The service's NATS identity, minted by the deploy service: a private file the instance reads through MSEC_NATS_CREDS. */
  private writeServiceCreds(name: string, creds: unknown): string {
    if (typeof creds !== 'string' || !creds.includes('-----BEGIN NATS USER JWT-----'))
      throw badArgs('natsCreds', 'must be the text of a NATS .creds file');
    const dir = join(this.stateDir, 'secrets');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const file = join(dir, `${name}.creds`);
    writeFileSync(`${file}.tmp`, creds, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    return file;
  }

  private async exec(args: Args): Promise<Result> {
    const argv = args.argv;
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string'))
      throw badArgs('argv', 'must be a non-empty array of strings (no shell)');
    const [file, ...rest] = argv as string[];
    const cwd = typeof args.cwd === 'string' ? inside(this.filesDir, args.cwd, 'cwd') : this.filesDir;
    const out = await run(file!, rest, null, int(args, 'timeoutMs', 100, 600_000, 30_000), cwd);
    return {
      exitCode: out.code,
      stdout: out.stdout.slice(0, OUTPUT_LIMIT),
      stderr: out.stderr.slice(0, OUTPUT_LIMIT),
    } satisfies ExecCommandResult;
  }
}

interface Manifest {
  name: string;
  version: string;
  entry: string;
}

/** Programs each runtime needs on the host. */
const RUNTIME_PROGRAM: Partial<Record<PackageRuntime, string>> = { python: 'python3', java: 'java' };

/**
 * The package's msec.json (checked again: the file on disk is what runs), or null when it has none. Refuses a
 * runtime whose program this host lacks, naming it, rather than starting an instance that can only crash-loop.
 */
function readRunManifest(dir: string, entry: string): RunManifest | null {
  const file = join(dir, RUN_MANIFEST_FILE);
  if (!existsSync(file)) return null;
  const parsed = parseRunManifest(readFileSync(file, 'utf8'));
  if (!parsed.manifest) throw badArgs('object', parsed.problems.join('; '));
  const run = parsed.manifest;
  const program = run.start?.[0] ?? RUNTIME_PROGRAM[run.runtime];
  const fromHost = program !== undefined && (isAbsolute(program) || !program.includes('/'));
  if (fromHost && !hostProgram(program))
    throw new AgentCommandError(
      AgentErrorCode.runtimeMissing,
      `${program} is not installed on this host (not an executable ${isAbsolute(program) ? 'file' : "on the agent's PATH"}); install it or release to a host that has it`,
      { program },
    );
  const local =
    program !== undefined && run.start && !fromHost ? program : run.runtime === PackageRuntime.exec && !run.start ? entry : undefined;
  if (local !== undefined) {
    const target = inside(dir, local, 'msec.json.start');
    if (!existsSync(target)) throw badArgs('msec.json.start', `${local} is not a file in the package`);
    chmodSync(target, 0o755);
  }
  return run;
}

/** An absolute path to an executable file, or a name found executable on the agent's PATH. */
function hostProgram(program: string): boolean {
  const executable = (file: string): boolean => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (isAbsolute(program)) return executable(program);
  return (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).some((d) => d !== '' && executable(join(d, program)));
}

function readManifest(dir: string): Manifest {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) throw badArgs('object', 'the package has no manifest.json at its root');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest>;
  if (typeof m.name !== 'string' || typeof m.version !== 'string' || typeof m.entry !== 'string')
    throw badArgs('object', 'manifest.json needs string name, version and entry');
  inside(dir, m.entry, 'manifest.entry');
  return m as Manifest;
}

function run(
  file: string,
  args: string[],
  input: Buffer | null,
  timeoutMs: number,
  cwd?: string,
  failOnExit = input !== null,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 4 * OUTPUT_LIMIT, cwd, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new AgentCommandError(AgentErrorCode.commandFailed, `${file} failed: ${error.message}`));
          return;
        }
        if (failOnExit && error) {
          reject(new AgentCommandError(AgentErrorCode.commandFailed, `${file} exited ${String(error.code)}: ${stderr.slice(0, 500)}`));
          return;
        }
        resolvePromise({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    if (input !== null) child.stdin?.end(input);
    else child.stdin?.end();
  });
}
