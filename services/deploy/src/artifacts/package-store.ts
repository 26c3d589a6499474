import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Objm, StorageType, type ObjectStore } from '@nats-io/obj';
import { DeployBuckets, streamReplicas } from '@msec/contracts';

/** How long a staged upload lives in DeployBuckets.uploads before JetStream removes it. */
export const UPLOAD_TTL_MS = 60 * 60 * 1000;

/** What was copied out of the store: size and SHA-256 measured on the way. */
export interface CopiedObject {
  size: number;
  sha256: string;
}

/**
 * The two JetStream Object Store buckets of packages: `msec_packages` (accepted tarballs, file storage, kept)
 * and `msec_package_uploads` (staged uploads, expire after an hour). Objects move through files on disk so a
 * 64 MiB package never sits in memory.
 */
export class PackageStore {
  private packages: ObjectStore | null = null;
  private uploads: ObjectStore | null = null;

  constructor(private readonly nc: NatsConnection) {}

  /** Creates (or opens) both buckets; the uploads bucket holds at most `uploadsMaxBytes` in total. */
  async open(uploadsMaxBytes: number): Promise<void> {
    const objm = new Objm(this.nc);
    const replicas = streamReplicas();
    this.packages = await objm.create(DeployBuckets.packages, {
      storage: StorageType.File,
      replicas,
      description: 'MSEC release packages',
    });
    this.uploads = await objm.create(DeployBuckets.uploads, {
      storage: StorageType.File,
      replicas,
      ttl: UPLOAD_TTL_MS * 1_000_000,
      max_bytes: uploadsMaxBytes,
      description: 'MSEC package uploads in flight',
    });
    // An existing bucket keeps its settings: grow its cap when the size limit was raised since it was made.
    const { streamInfo } = await this.uploads.status();
    if (streamInfo.config.max_bytes < uploadsMaxBytes) {
      const jsm = await jetstreamManager(this.nc);
      await jsm.streams.update(streamInfo.config.name, { ...streamInfo.config, max_bytes: uploadsMaxBytes });
    }
  }

  /** Copies a staged upload into `file`, stopping once it passes maxBytes; null when no such object. */
  async stagedToFile(object: string, file: string, maxBytes: number): Promise<CopiedObject | null> {
    const result = await this.bucket('uploads').get(object);
    if (!result) return null;
    if (result.info.size > maxBytes) {
      await result.data.cancel().catch(() => undefined);
      return { size: result.info.size, sha256: '' };
    }
    const hash = createHash('sha256');
    const out = createWriteStream(file);
    let size = 0;
    for await (const chunk of result.data) {
      size += chunk.length;
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    out.end();
    await finished(out);
    const error = await result.error;
    if (error) throw error;
    return { size, sha256: hash.digest('hex') };
  }

  /** Removes a staged upload (ignores one already gone). */
  async deleteStaged(object: string): Promise<void> {
    await this.bucket('uploads')
      .delete(object)
      .catch(() => undefined);
  }

  /** Stores a verified tarball as `object` in the packages bucket. */
  async putPackage(object: string, file: string, metadata: Record<string, string>): Promise<void> {
    const stream = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    await this.bucket('packages').put({ name: object, metadata }, stream, { timeout: 60_000 });
  }

  /** True when the packages bucket holds `object`. */
  async hasPackage(object: string): Promise<boolean> {
    const info = await this.bucket('packages').info(object);
    return info !== null && !info.deleted;
  }

  /** The bucket name agents fetch packages from. */
  get packagesBucket(): string {
    return DeployBuckets.packages;
  }

  private bucket(which: 'packages' | 'uploads'): ObjectStore {
    const store = which === 'packages' ? this.packages : this.uploads;
    if (!store) throw new Error('PackageStore.open() was not called');
    return store;
  }
}

/** SHA-256 and size of a file, streamed. */
export async function hashFile(file: string): Promise<CopiedObject> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { size, sha256: hash.digest('hex') };
}
