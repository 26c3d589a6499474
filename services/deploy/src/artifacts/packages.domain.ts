import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource, Repository } from 'typeorm';
import { MsecError } from '@msec/contracts';
import { notFound, packageInvalid } from '../deploy.errors.js';
import { PackageRecord } from './artifacts.entities.js';
import { TAG, requireString } from './validate.js';

/** A package as listed. */
export interface PackageView {
  name: string;
  version: string;
  sha256: string;
  size: number;
  entry: string;
  createdAt: number;
}

/** Packages travel base64 in one NATS message (1 MiB by default), so the tarball stays under this. */
export const MAX_PACKAGE_BYTES = 700 * 1024;
const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

function tar(args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('tar', args, { encoding: 'buffer', maxBuffer: 4 * 1024 * 1024, timeout: 10_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr.toString().trim() || error.message)) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

/** Code packages: a tar.gz with `manifest.json` {name, version, entry} at its root, sha256 verified, kept on disk. */
export class PackagesDomain {
  private readonly repo: Repository<PackageRecord>;
  private readonly dir: string;

  constructor(dataSource: DataSource, dataDir: string) {
    this.repo = dataSource.getRepository(PackageRecord);
    this.dir = join(dataDir, 'packages');
  }

  /** Verifies and stores an upload {contentBase64, sha256}. */
  async upload(body: Record<string, unknown> | null): Promise<PackageView> {
    const bytes = Buffer.from(requireString(body, 'contentBase64'), 'base64');
    const expected = requireString(body, 'sha256', /^[0-9a-f]{64}$/, 'must be the lower-case hex SHA-256 of the tarball');
    if (bytes.length > MAX_PACKAGE_BYTES)
      throw packageInvalid(`${bytes.length} bytes; at most ${MAX_PACKAGE_BYTES} until packages move to the Object Store`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected) throw packageInvalid(`sha256 is ${actual}, the upload says ${expected}; the file was corrupted on the way`);
    let entries: string[];
    try {
      entries = (await tar(['-tzf', '-'], bytes)).toString().split('\n').filter(Boolean);
    } catch (error) {
      throw packageInvalid(`not a tar.gz (${String(error)})`);
    }
    if (entries.some((e) => e.startsWith('/') || e.split('/').includes('..')))
      throw packageInvalid('entries must be relative paths without ".."');
    const manifestEntry = entries.find((e) => e === 'manifest.json' || e === './manifest.json');
    if (!manifestEntry) throw packageInvalid('no manifest.json at the root of the tarball');
    let manifest: { name?: unknown; version?: unknown; entry?: unknown };
    try {
      manifest = JSON.parse((await tar(['-xzOf', '-', manifestEntry], bytes)).toString()) as typeof manifest;
    } catch (error) {
      throw packageInvalid(`manifest.json is not JSON (${String(error)})`);
    }
    const { name, version, entry } = manifest;
    if (typeof name !== 'string' || !NAME.test(name))
      throw packageInvalid('manifest.name must be a package name (letters, digits, "_", ".", "-")');
    if (typeof version !== 'string' || !TAG.test(version)) throw packageInvalid('manifest.version must be a version tag like 1.2.0');
    if (typeof entry !== 'string' || !entries.some((e) => e === entry || e === `./${entry}`))
      throw packageInvalid(`manifest.entry ${String(entry)} is not a file in the tarball`);
    const existing = await this.repo.findOneBy({ name, version });
    if (existing) {
      if (existing.sha256 === actual) return view(existing);
      throw new MsecError('VALIDATION_FAILED', `version: ${name}@${version} exists with other content; bump manifest.version`, {
        status: 409,
        data: { field: 'version' },
      });
    }
    mkdirSync(join(this.dir, name), { recursive: true });
    const file = join(this.dir, name, `${version}.tar.gz`);
    writeFileSync(`${file}.tmp`, bytes);
    renameSync(`${file}.tmp`, file);
    const record: PackageRecord = { name, version, sha256: actual, size: bytes.length, entry, createdAt: Date.now() };
    await this.repo.insert(record);
    return view(record);
  }

  /** Packages, newest first; only those named `name` when given. */
  async list(body: Record<string, unknown> | null): Promise<PackageView[]> {
    const name = typeof body?.name === 'string' ? body.name : undefined;
    const rows = await this.repo.find({ where: name ? { name } : {}, order: { createdAt: 'DESC' } });
    return rows.map(view);
  }

  /** True when the package version was uploaded. */
  has(name: string, version: string): Promise<boolean> {
    return this.repo.existsBy({ name, version });
  }

  /** The tarball and its checksum, re-verified against the stored sha256. */
  async read(name: string, version: string): Promise<{ bytes: Buffer; sha256: string }> {
    const row = await this.repo.findOneBy({ name, version });
    if (!row) throw notFound('package', `${name}@${version}`);
    const bytes = readFileSync(join(this.dir, name, `${version}.tar.gz`));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== row.sha256) throw packageInvalid(`${name}@${version} on disk no longer matches its sha256; upload it again`);
    return { bytes, sha256 };
  }
}

function view(r: PackageRecord): PackageView {
  return { name: r.name, version: r.version, sha256: r.sha256, size: r.size, entry: r.entry, createdAt: Number(r.createdAt) };
}
