import { invalidOption } from '../rpc.errors.js';
import { ClusterBucket, type QuotaStore, type QuotaStoreStats } from './cluster-quota.js';
import { TokenBucket } from './token-bucket.js';

/** A limit on one method of the callee: requests per second this instance admits, and the burst it tolerates. */
export interface RateLimit {
  /** Full method name (pkg.Service.Method), or `*` for every method without its own limit. */
  readonly method: string;
  /** Requests per second; a positive number. */
  readonly qps: number;
  /** Tokens the bucket holds when full (a burst after a quiet spell). Default: qps, at least 1. */
  readonly burst?: number;
  /** `qps` is for the whole service: each instance admits qps ÷ the instances serving (see RateLimiter.share). */
  readonly cluster?: boolean;
}

/** Decides, per method, whether a request may run; the RPC server asks before it queues or runs a request. */
export interface Admission {
  /** True to run the request, false to refuse it with RPC_RATE_LIMITED. */
  admit(method: string): boolean;
  /** The limit refusing `method`, for the error message. */
  limitOf(method: string): number;
}

/** Checks a limit from configuration or an API; throws RPC_INVALID_OPTION naming the field. */
export function checkRateLimit(limit: RateLimit, field = 'limit'): RateLimit {
  if (typeof limit.method !== 'string' || limit.method.length === 0) {
    throw invalidOption(`${field}.method`, 'must name a method (pkg.Service.Method) or be * for all methods');
  }
  if (typeof limit.qps !== 'number' || !Number.isFinite(limit.qps) || limit.qps <= 0) {
    throw invalidOption(`${field}.qps`, 'must be a positive number of requests per second, e.g. 100');
  }
  if (limit.cluster !== undefined && typeof limit.cluster !== 'boolean') throw invalidOption(`${field}.cluster`, 'must be true or false');
  if (limit.burst !== undefined && (!Number.isFinite(limit.burst) || limit.burst < 1)) {
    throw invalidOption(`${field}.burst`, 'must be a number of at least 1, or left out (it then equals qps)');
  }
  return limit;
}

/** A bucket of one limited method: local (TokenBucket) or shared by the instances (ClusterBucket). */
type MethodBucket = TokenBucket | ClusterBucket;

/**
 * Admission by token buckets, one per limited method of this instance. With no limit set, `admit` is one map lookup.
 * Limits are replaced whole (`set`), as a watcher of the configured limits delivers them. A cluster-wide limit is
 * shared through the quota store once one is given (`useQuota`); without one, each instance admits its even share.
 */
export class RateLimiter implements Admission {
  private buckets = new Map<string, MethodBucket>();
  private any: MethodBucket | undefined;
  private readonly now: () => number;
  private input: readonly RateLimit[] = [];
  private instances = 1;
  private quota: QuotaStore | undefined;
  /** Requests refused since start, per method. */
  readonly refused = new Map<string, number>();
  /** Failures of the quota store (the instances' even share applied meanwhile). */
  readonly quotaStats: QuotaStoreStats = { failures: 0 };

  constructor(limits: readonly RateLimit[] = [], now: () => number = () => performance.now()) {
    this.now = now;
    this.set(limits);
  }

  /**
   * How many instances share the cluster-wide limits (the live, enabled instances of the service): the even share each
   * admits without a quota store, or while it fails. Instance limits do not change.
   */
  share(instances: number): void {
    const n = Math.max(1, Math.floor(instances));
    if (n === this.instances) return;
    this.instances = n;
    this.set(this.input);
  }

  /** Shares cluster-wide limits through `store` from now on. */
  useQuota(store: QuotaStore): void {
    this.quota = store;
    this.set(this.input);
  }

  /** Replaces every limit; a bucket whose limit did not change keeps its tokens. */
  set(limits: readonly RateLimit[]): void {
    const next = new Map<string, MethodBucket>();
    let any: MethodBucket | undefined;
    limits.forEach((limit, i) => checkRateLimit(limit, `limits.${i}`));
    this.input = limits;
    const at = this.now();
    for (const limit of limits) {
      const old = limit.method === '*' ? this.any : this.buckets.get(limit.method);
      const bucket = this.bucketFor(limit, old, at);
      if (limit.method === '*') any = bucket;
      else next.set(limit.method, bucket);
    }
    this.buckets = next;
    this.any = any;
  }

  private bucketFor(limit: RateLimit, old: MethodBucket | undefined, at: number): MethodBucket {
    if (limit.cluster === true && this.quota !== undefined) {
      return new ClusterBucket(limit.method, limit.qps, this.instances, limit.burst, this.quota, this.quotaStats, this.now);
    }
    const qps = limit.cluster === true ? limit.qps / this.instances : limit.qps;
    const capacity = limit.burst ?? Math.max(1, qps);
    return old instanceof TokenBucket && old.rate === qps && old.capacity === capacity ? old : new TokenBucket(qps, capacity, at);
  }

  /** The limits in force (a cluster-wide one with the whole service's figure). */
  get limits(): RateLimit[] {
    const out: RateLimit[] = [...this.buckets].map(([method, b]) => ({ method, qps: b.rate, burst: b.capacity }));
    if (this.any !== undefined) out.push({ method: '*', qps: this.any.rate, burst: this.any.capacity });
    return out;
  }

  admit(method: string): boolean {
    const bucket = this.buckets.get(method) ?? this.any;
    if (bucket === undefined || bucket.take(this.now())) return true;
    this.refused.set(method, (this.refused.get(method) ?? 0) + 1);
    return false;
  }

  limitOf(method: string): number {
    return (this.buckets.get(method) ?? this.any)?.rate ?? 0;
  }
}
