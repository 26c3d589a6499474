import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { IsNull, type DataSource, type Repository } from 'typeorm';
import { BusErrorCode, EventStore, ProjectionCheckpointEntity, ProjectionRunner, createEvent } from '@msec/bus';
import {
  DeployBuckets,
  DeployEventSubjects,
  DeployEventType,
  MsecError,
  parseRunManifest,
  RUN_MANIFEST_FILE,
  type PackageObjectRef,
  type PackageUploadSlot,
  type PackageView,
} from '@msec/contracts';
import { notFound, packageInvalid, packageTooLarge } from '../deploy.errors.js';
import { PackageRecord } from './artifacts.entities.js';
import { PackagesProjection, type PackageEvent } from './packages.projection.js';
import { hashFile, UPLOAD_TTL_MS, type PackageStore } from './package-store.js';
import { TAG, requireString } from './validate.js';
import { deployProjectionRunner } from '../events/deploy-projection-runner.js';

export type { PackageView } from '@msec/contracts';

/** Inline uploads travel base64 in one NATS message (1 MiB by default), so they stay under this; larger ones are staged. */
export const MAX_INLINE_PACKAGE_BYTES = 700 * 1024;
const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const STAGED_OBJECT = /^upload\/[0-9a-f-]{36}$/;

/** What the first letter of GNU tar's verbose listing means, for the entries a package may not hold. */
const LINK_KINDS: Record<string, string> = { l: 'symbolic link', h: 'hard link', c: 'device', b: 'device', p: 'named pipe' };

function tar(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('tar', args, { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr.toString().trim() || error.message)) : resolve(stdout),
    );
  });
}

/** Checks msec.json when the package has one: every problem named by its field, so the author fixes all at once. */
async function checkRunManifest(file: string, entries: string[]): Promise<void> {
  const entry = entries.find((e) => e === RUN_MANIFEST_FILE || e === `./${RUN_MANIFEST_FILE}`);
  if (!entry) return;
  const parsed = parseRunManifest((await tar(['-xzOf', file, entry])).toString());
  if (!parsed.manifest) throw packageInvalid(parsed.problems.join('; '));
  const first = parsed.manifest.start?.[0];
  // A relative path with a folder names a file of the package; an absolute path or a bare name is a program of the host.
  if (first?.includes('/') && !first.startsWith('/') && !entries.some((e) => e === first || e === `./${first}` || `./${e}` === first))
    throw packageInvalid(
      `msec.json.start: ${first} is not a file in the tarball (name a file of the package, or a program on the host's PATH)`,
    );
}

/**
 * Code packages: a tar.gz with `manifest.json` {name, version, entry} at its root. Accepted tarballs live in the
 * JetStream Object Store (`msec_packages`, object `<name>/<version>.tar.gz`) with their sha256 in the table row;
 * rows from before the Object Store point at `<dataDir>/packages/<name>/<version>.tar.gz` and move on first use.
 */
export class PackagesDomain {
  private readonly logger = new Logger('deploy-packages');
  private readonly repo: Repository<PackageRecord>;
  private readonly dir: string;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly events: EventStore;
  private readonly runner: ProjectionRunner<PackageEvent>;

  constructor(
    private readonly dataSource: DataSource,
    dataDir: string,
    private readonly store: PackageStore,
    private readonly maxBytes: number,
    nc: NatsConnection,
  ) {
    this.repo = dataSource.getRepository(PackageRecord);
    this.dir = join(dataDir, 'packages');
    this.events = new EventStore(nc);
    this.runner = deployProjectionRunner(nc, dataSource, new PackagesProjection(), this.logger);
  }

  /**
   * Carries versions stored before package events existed into the stream, starts the projection, then moves
   * packages still on disk into the Object Store (in the background; releases also move them on first use).
   */
  async start(): Promise<void> {
    await this.events.init();
    await this.importLegacyRows();
    await this.runner.start();
    await this.runner.waitUntilCaughtUp();
    void this.moveDiskPackages().catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Empties the packages read model and replays their events. */
  async rebuild(): Promise<number> {
    await this.runner.rebuild();
    return this.repo.count();
  }

  /** Verifies and stores a small inline upload {contentBase64, sha256}. */
  async upload(body: Record<string, unknown> | null): Promise<PackageView> {
    const bytes = Buffer.from(requireString(body, 'contentBase64'), 'base64');
    const expected = requireString(body, 'sha256', /^[0-9a-f]{64}$/, 'must be the lower-case hex SHA-256 of the tarball');
    if (bytes.length > this.maxBytes) throw packageTooLarge(bytes.length, this.maxBytes);
    return this.withTemp(async (file) => {
      writeFileSync(file, bytes);
      return this.ingest(file, expected);
    });
  }

  /** A fresh staging object for one upload, with the size limit. */
  stage(): PackageUploadSlot {
    return {
      bucket: DeployBuckets.uploads,
      object: `upload/${randomUUID()}`,
      maxBytes: this.maxBytes,
      expiresAt: Date.now() + UPLOAD_TTL_MS,
    };
  }

  /** Verifies a staged upload {object, sha256, size} against what the uploader measured, then stores it. */
  async register(body: Record<string, unknown> | null): Promise<PackageView> {
    const object = requireString(body, 'object', STAGED_OBJECT, 'must be the object name msec.deploy.packages.stage returned');
    const expected = requireString(body, 'sha256', /^[0-9a-f]{64}$/, 'must be the lower-case hex SHA-256 of the tarball');
    const size = body?.size;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) throw packageInvalid('size must be the byte count sent');
    if (size > this.maxBytes) throw packageTooLarge(size, this.maxBytes);
    try {
      return await this.withTemp(async (file) => {
        const copied = await this.store.stagedToFile(object, file, this.maxBytes);
        if (!copied) throw notFound('staged upload', object);
        if (copied.size > this.maxBytes) throw packageTooLarge(copied.size, this.maxBytes);
        if (copied.size !== size) throw packageInvalid(`the store holds ${copied.size} bytes, the uploader sent ${size}; upload again`);
        return this.ingest(file, expected);
      });
    } finally {
      await this.store.deleteStaged(object);
    }
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

  /** Where agents fetch the package (moving a pre-Object-Store package into the store first). */
  async reference(name: string, version: string): Promise<PackageObjectRef> {
    const row = await this.repo.findOneBy({ name, version });
    if (!row) throw notFound('package', `${name}@${version}`);
    const stored = row.objectName ? row : await this.moveFromDisk(row);
    return { bucket: stored.bucket!, object: stored.objectName!, sha256: stored.sha256, size: stored.size };
  }

  /** Moves every package still on disk into the Object Store (start-up); the files stay where they were. */
  async moveDiskPackages(): Promise<number> {
    const rows = await this.repo.find({ where: { objectName: IsNull() } });
    let moved = 0;
    for (const row of rows) {
      try {
        await this.moveFromDisk(row);
        moved += 1;
      } catch (error) {
        this.logger.error(`package ${row.name}@${row.version} stays on disk: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (moved > 0) this.logger.log(`moved ${moved} package(s) from ${this.dir} into the Object Store bucket ${DeployBuckets.packages}`);
    return moved;
  }

  private async moveFromDisk(row: PackageRecord): Promise<PackageRecord> {
    const file = join(this.dir, row.name, `${row.version}.tar.gz`);
    if (!existsSync(file))
      throw packageInvalid(`${row.name}@${row.version} is neither in the Object Store nor at ${file}; upload it again`);
    const { sha256 } = await hashFile(file);
    if (sha256 !== row.sha256) throw packageInvalid(`${row.name}@${row.version} on disk no longer matches its sha256; upload it again`);
    const object = objectName(row.name, row.version);
    await this.store.putPackage(object, file, { sha256 });
    row.bucket = this.store.packagesBucket;
    row.objectName = object;
    // the same move twice (two deploy processes) records the same place: no expectation needed
    await this.events.append(
      DeployEventSubjects.package(row.name),
      createEvent(DeployEventType.packageMovedToObjectStore, row.name, {
        name: row.name,
        version: row.version,
        bucket: row.bucket,
        objectName: object,
      }),
    );
    await this.runner.waitUntilCaughtUp();
    return row;
  }

  /** Checks a tarball on disk (checksum, paths, manifest) and stores it, or returns the identical one stored before. */
  private async ingest(file: string, expected: string): Promise<PackageView> {
    const { sha256: actual, size } = await hashFile(file);
    if (size > this.maxBytes) throw packageTooLarge(size, this.maxBytes);
    if (actual !== expected) throw packageInvalid(`sha256 is ${actual}, the upload says ${expected}; the file was corrupted on the way`);
    let entries: string[];
    try {
      entries = (await tar(['-tzf', file])).toString().split('\n').filter(Boolean);
    } catch (error) {
      throw packageInvalid(`not a tar.gz (${String(error)})`);
    }
    if (entries.some((e) => e.startsWith('/') || e.split('/').includes('..')))
      throw packageInvalid('entries must be relative paths without ".."');
    // A link could point outside the folder the agent installs into (or at a file of another package): only plain
    // files and folders are accepted. The verbose listing gives each entry's type in the same order as the names.
    const types = (await tar(['-tvzf', file])).toString().split('\n').filter(Boolean);
    types.forEach((line, i) => {
      if (line[0] !== '-' && line[0] !== 'd')
        throw packageInvalid(
          `entry "${entries[i] ?? line}" is a ${LINK_KINDS[line[0] ?? ''] ?? 'special file'}; packages hold only regular files and folders (copy the target in instead)`,
        );
    });
    const manifestEntry = entries.find((e) => e === 'manifest.json' || e === './manifest.json');
    if (!manifestEntry) throw packageInvalid('no manifest.json at the root of the tarball');
    let manifest: { name?: unknown; version?: unknown; entry?: unknown };
    try {
      manifest = JSON.parse((await tar(['-xzOf', file, manifestEntry])).toString()) as typeof manifest;
    } catch (error) {
      throw packageInvalid(`manifest.json is not JSON (${String(error)})`);
    }
    const { name, version, entry } = manifest;
    if (typeof name !== 'string' || !NAME.test(name))
      throw packageInvalid('manifest.name must be a package name (letters, digits, "_", ".", "-")');
    if (typeof version !== 'string' || !TAG.test(version)) throw packageInvalid('manifest.version must be a version tag like 1.2.0');
    if (typeof entry !== 'string' || !entries.some((e) => e === entry || e === `./${entry}`))
      throw packageInvalid(`manifest.entry ${String(entry)} is not a file in the tarball`);
    await checkRunManifest(file, entries);
    return this.oneAtATime(`${name}@${version}`, () => this.storeVersion(file, { name, version, entry, sha256: actual, size }));
  }

  /** Stores a checked tarball under its name and version, unless that version exists. */
  private async storeVersion(
    file: string,
    p: { name: string; version: string; entry: string; sha256: string; size: number },
  ): Promise<PackageView> {
    const subject = DeployEventSubjects.package(p.name);
    for (let attempt = 1; ; attempt += 1) {
      const expected = await this.events.lastSequence(subject);
      await this.runner.waitUntilCaughtUp();
      const existing = await this.repo.findOneBy({ name: p.name, version: p.version });
      if (existing) return sameOrConflict(existing, p.sha256);
      const object = objectName(p.name, p.version);
      await this.store.putPackage(object, file, { sha256: p.sha256 });
      const record: PackageRecord = { ...p, bucket: this.store.packagesBucket, objectName: object, createdAt: Date.now() };
      try {
        await this.events.append(
          subject,
          createEvent(DeployEventType.packageVersionAdded, p.name, { ...record, createdAt: Number(record.createdAt) }),
          {
            expectedLastSubjectSeq: expected,
          },
        );
      } catch (error) {
        // another deploy process stored a version of this package since: look again (the same version is then answered as stored)
        if (attempt < 5 && error instanceof MsecError && error.code === BusErrorCode.appendConflict) continue;
        throw error;
      }
      await this.runner.waitUntilCaughtUp();
      return view(record);
    }
  }

  /** On the first start after the upgrade (no checkpoint yet), each stored version becomes a `deploy.PackageVersionAdded` event. */
  private async importLegacyRows(): Promise<void> {
    const key = `deploy.${new PackagesProjection().name}`;
    if ((await this.dataSource.getRepository(ProjectionCheckpointEntity).findOneBy({ projection: key })) !== null) return;
    const rows = await this.repo.find({ order: { createdAt: 'ASC' } });
    const bySubject = new Map<string, PackageRecord[]>();
    for (const row of rows)
      bySubject.set(DeployEventSubjects.package(row.name), [...(bySubject.get(DeployEventSubjects.package(row.name)) ?? []), row]);
    for (const [subject, versions] of bySubject) {
      const events = versions.map((r) =>
        createEvent(DeployEventType.packageVersionAdded, r.name, {
          name: r.name,
          version: r.version,
          entry: r.entry,
          sha256: r.sha256,
          size: r.size,
          bucket: r.bucket,
          objectName: r.objectName,
          createdAt: Number(r.createdAt),
        }),
      );
      try {
        await this.events.appendAll(subject, events, 0);
      } catch (error) {
        // another deploy process imported them first
        if (!(error instanceof MsecError && error.code === BusErrorCode.appendConflict)) throw error;
      }
    }
    if (rows.length > 0) this.logger.log(`${rows.length} package version(s) carried over into the event stream`);
  }

  /**
   * Runs uploads of one name@version one after another: the check, the Object Store write and the insert of two
   * concurrent uploads must not interleave, or the stored tarball could be the loser's under the winner's sha256.
   */
  private async oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.inFlight.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    }
  }

  private async withTemp<T>(work: (file: string) => Promise<T>): Promise<T> {
    mkdirSync(tmpdir(), { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'msec-deploy-pkg-'));
    try {
      return await work(join(dir, 'package.tar.gz'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** An upload of a version that exists: the same tarball again is fine, other content is refused. */
function sameOrConflict(existing: PackageRecord, sha256: string): PackageView {
  if (existing.sha256 === sha256) return view(existing);
  throw new MsecError(
    'VALIDATION_FAILED',
    `version: ${existing.name}@${existing.version} exists with other content; bump manifest.version`,
    {
      status: 409,
      data: { field: 'version' },
    },
  );
}

function objectName(name: string, version: string): string {
  return `${name}/${version}.tar.gz`;
}

function view(r: PackageRecord): PackageView {
  return { name: r.name, version: r.version, sha256: r.sha256, size: r.size, entry: r.entry, createdAt: Number(r.createdAt) };
}
