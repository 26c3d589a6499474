import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { TEMP_DIR_PREFIX } from './infra-server.js';

/** manifest.json of a release package. */
export interface PackageManifest {
  name: string;
  version: string;
  /** The file the agent runs with node, relative to the package root. */
  entry: string;
}

/** A package file built from a service folder. */
export interface BuiltPackage {
  file: string;
  sha256: string;
  size: number;
  manifest: PackageManifest;
  /** Files packed besides manifest.json, relative to the folder. */
  files: string[];
}

/** Left out of every package: the host provides the runtime (node_modules), tests, build state and Python caches stay behind. */
const SKIPPED_ANYWHERE = new Set(['node_modules', '.git', '.msec', '__pycache__']);
const SKIPPED_PATHS = new Set(['test', join('dist', 'test'), 'manifest.json']);

/** The files of a built service folder that go into its package, sorted. */
export function packageFiles(dir: string): string[] {
  const root = resolve(dir);
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const full = join(current, name);
      const rel = relative(root, full);
      if (SKIPPED_ANYWHERE.has(name) || SKIPPED_PATHS.has(rel) || name.endsWith('.tsbuildinfo')) continue;
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) files.push(rel.split(sep).join('/'));
    }
  };
  walk(root);
  return files;
}

/** SHA-256 over the package's files (paths and contents): a version suffix that changes exactly when the code does. */
export function folderDigest(dir: string): string {
  const hash = createHash('sha256');
  for (const file of packageFiles(dir))
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(dir, file)))
      .update('\0');
  return hash.digest('hex');
}

/**
 * Builds a release package from a built service folder (e.g. examples/flight after `tsc -b`): every file except
 * node_modules, tests and build info, plus `manifest.json`, as a tar.gz written to `outFile`. The archive is
 * reproducible (sorted, zero mtimes and owners, gzip without a name), so the same folder gives the same sha256.
 * The entry must exist; `package.json` with `"type": "module"` should be among the files for ESM entries.
 */
export async function packServiceFolder(dir: string, manifest: PackageManifest, outFile: string): Promise<BuiltPackage> {
  const root = resolve(dir);
  if (!existsSync(join(root, manifest.entry))) throw new Error(`entry ${manifest.entry} is not a file in ${root}; build the service first`);
  const files = packageFiles(root);
  const work = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}pack-`));
  try {
    writeFileSync(join(work, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(work, 'files.txt'), files.join('\n') + (files.length ? '\n' : ''));
    mkdirSync(dirname(resolve(outFile)), { recursive: true });
    const common = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu'];
    execFileSync('tar', ['-cf', join(work, 'pkg.tar'), ...common, '-C', work, 'manifest.json']);
    execFileSync('tar', ['-rf', join(work, 'pkg.tar'), ...common, '-C', root, '--verbatim-files-from', '-T', join(work, 'files.txt')]);
    execFileSync('sh', ['-c', 'gzip -n -c "$1" > "$2"', 'sh', join(work, 'pkg.tar'), resolve(outFile)]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(outFile)) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { file: resolve(outFile), sha256: hash.digest('hex'), size, manifest, files };
}
