import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { RATE_QUOTA_BUCKET, rateQuotaKey } from '@msec/contracts';
import type { QuotaStore } from '@msec/rpc';

/** A claim gives up after this long; the limiter then admits the instance's even share for a while. */
const REQUEST_TIMEOUT_MS = 400;
/** Claims retried after another instance updated the same count first. */
const MAX_ATTEMPTS = 8;

/**
 * The counts of a service's cluster-wide limits in the registry's KV bucket: a claim reads the second's count and
 * writes it back raised, expecting the revision it read, so two instances never both take the same tokens.
 */
export class NatsQuotaStore implements QuotaStore {
  private bucket: Promise<KV> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly service: string,
  ) {}

  async claim(method: string, window: number, want: number, limit: number): Promise<number> {
    const kv = await this.open();
    const key = rateQuotaKey(this.service, method, window);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const entry = await kv.get(key);
      const used = entry !== null && entry.operation === 'PUT' ? Number(entry.string()) || 0 : 0;
      if (used >= limit) return 0;
      const grant = Math.min(want, limit - used);
      try {
        if (entry === null) await kv.create(key, String(grant));
        else await kv.update(key, String(used + grant), entry.revision);
        return grant;
      } catch (error) {
        // another instance counted first: read again
        if (!/wrong last sequence|key exists/i.test((error as Error).message)) throw error;
      }
    }
    return 0;
  }

  private open(): Promise<KV> {
    // Direct gets name the key, which is all a service may read of the bucket.
    this.bucket ??= new Kvm(jetstream(this.nc, { timeout: REQUEST_TIMEOUT_MS }))
      .open(RATE_QUOTA_BUCKET, { allow_direct: true })
      .catch((error: unknown) => {
        this.bucket = undefined;
        throw error;
      });
    return this.bucket;
  }
}
