import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ObjectStore } from '@nats-io/obj';

/** What a fetch wrote: bytes and SHA-256 measured while writing. */
export interface FetchedPackage {
  size: number;
  sha256: string;
}

/** Where install-package gets tarballs from; one method so tests of the executor can use a folder instead. */
export interface PackageSource {
  /** Writes object `object` of bucket `bucket` to `file`, stopping after `maxBytes`; null when there is no such object. */
  fetch(bucket: string, object: string, file: string, maxBytes: number): Promise<FetchedPackage | null>;
}

/** Fetches packages from the JetStream Object Store, streaming to disk (a package can be tens of MiB). */
export class ObjectStorePackageSource implements PackageSource {
  private readonly buckets = new Map<string, Promise<ObjectStore>>();

  constructor(private readonly nc: NatsConnection) {}

  async fetch(bucket: string, object: string, file: string, maxBytes: number): Promise<FetchedPackage | null> {
    const store = await this.open(bucket);
    const result = await store.get(object);
    if (!result) return null;
    const hash = createHash('sha256');
    const out = createWriteStream(file);
    let size = 0;
    try {
      for await (const chunk of result.data) {
        size += chunk.length;
        // more than the signed size cannot match its checksum: stop reading
        if (size > maxBytes) break;
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
    } finally {
      out.end();
      await finished(out);
    }
    if (size <= maxBytes) {
      const error = await result.error;
      if (error) throw error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  private open(bucket: string): Promise<ObjectStore> {
    let store = this.buckets.get(bucket);
    if (!store) {
      // Loaded on the first install: an agent that installs nothing never carries the object store client.
      store = import('@nats-io/obj').then(({ Objm }) => new Objm(this.nc).open(bucket));
      store.catch(() => this.buckets.delete(bucket));
      this.buckets.set(bucket, store);
    }
    return store;
  }
}
