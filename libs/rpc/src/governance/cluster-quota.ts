import { TokenBucket } from './token-bucket.js';

/** Where the instances of a service count what each admitted of a cluster-wide limit, per method and second. */
export interface QuotaStore {
  /**
   * Adds up to `want` to the count of `method` in second `window` (whole seconds since the epoch), never past `limit`;
   * resolves with how much it added (0 when the second's quota is used up). Rejects when the store cannot be reached.
   */
  claim(method: string, window: number, want: number, limit: number): Promise<number>;
}

/** A claim unanswered this long counts as a failure of the store: the local share applies meanwhile. */
const STORE_TIMEOUT_MS = 500;
/** After a failure, the local share applies this long before the store is tried again. */
const STORE_RETRY_MS = 2000;
/** A claim asks for this part of an instance's even share of the second, so a busy instance asks a few times a second. */
const CLAIMS_PER_SHARE = 4;

/** What a cluster-wide limit reports about its store. */
export interface QuotaStoreStats {
  /** Claims that failed or timed out (each switches to the local share for STORE_RETRY_MS). */
  failures: number;
}

/**
 * A cluster-wide limit of `qps` calls a second for one method, shared through a QuotaStore: the instance admits the
 * tokens it claimed for the current second and claims more before they run out, so no call waits on the store.
 * The first tokens of each second are taken before the claim that counts them is answered; at most every instance's
 * first claim is taken that way, a quarter of the limit in all, so a fresh second is never overrun. While the store
 * fails, the instance admits its even share (`qps ÷ instances`) from a local token bucket.
 */
export class ClusterBucket {
  readonly capacity: number;
  private window = -1;
  private allowance = 0;
  private exhausted = false;
  private pendingSince: number | undefined;
  /** Numbers the claims, so an answer that comes after its claim was given up is ignored. */
  private claims = 0;
  private degradedUntil = 0;
  /** False after a failure until a claim succeeds again: meanwhile no token is taken ahead of its claim. */
  private trusted = true;
  private readonly chunk: number;
  private readonly fallback: TokenBucket;

  constructor(
    readonly method: string,
    /** Calls a second for the whole service. */
    readonly rate: number,
    instances: number,
    burst: number | undefined,
    private readonly store: QuotaStore,
    private readonly stats: QuotaStoreStats,
    /** Monotonic milliseconds (the limiter's clock). */
    private readonly clock: () => number,
    private readonly wallClock: () => number = Date.now,
  ) {
    const share = rate / Math.max(1, instances);
    this.capacity = burst ?? Math.max(1, share);
    this.chunk = Math.max(1, Math.ceil(share / CLAIMS_PER_SHARE));
    this.fallback = new TokenBucket(share, this.capacity, clock());
  }

  /** Takes a token if the instance holds one for this second. `now` is a monotonic clock in milliseconds. */
  take(now: number): boolean {
    if (this.pendingSince !== undefined && now - this.pendingSince > STORE_TIMEOUT_MS) this.fail(now);
    if (now < this.degradedUntil) return this.fallback.take(now);
    const window = Math.floor(this.wallClock() / 1000);
    if (!this.trusted) {
      // Probing the store after a failure: the local share still applies until a claim is answered.
      if (window !== this.window) this.restart(window);
      this.claim(window, now);
      if (!this.trusted) return this.fallback.take(now);
    }
    if (window !== this.window) this.begin(window);
    if (this.allowance >= 1) {
      this.allowance -= 1;
      if (this.allowance < this.chunk / 2) this.claim(window, now);
      return true;
    }
    this.claim(window, now);
    return false;
  }

  /** A new second: the first chunk is taken at once and counted in the store behind it. */
  private begin(window: number): void {
    this.window = window;
    this.exhausted = false;
    this.allowance = this.chunk;
    this.pendingSince = this.clock();
    const want = this.chunk;
    const id = ++this.claims;
    this.store.claim(this.method, window, want, this.rate).then(
      (granted) => {
        if (id !== this.claims) return;
        this.pendingSince = undefined;
        if (window !== this.window || granted >= want) return;
        // Others used the second first: give back what was taken beyond the grant.
        this.allowance = Math.max(0, this.allowance - (want - granted));
        this.exhausted = true;
      },
      () => id === this.claims && this.fail(this.clock()),
    );
  }

  private restart(window: number): void {
    this.window = window;
    this.exhausted = false;
    this.allowance = 0;
  }

  private claim(window: number, now: number): void {
    if (this.exhausted || this.pendingSince !== undefined) return;
    this.pendingSince = now;
    const want = this.chunk;
    const id = ++this.claims;
    this.store.claim(this.method, window, want, this.rate).then(
      (granted) => {
        if (id !== this.claims) return;
        this.pendingSince = undefined;
        this.trusted = true;
        if (window !== this.window) return;
        this.allowance += granted;
        if (granted < want) this.exhausted = true;
      },
      () => id === this.claims && this.fail(this.clock()),
    );
  }

  /** The store failed or did not answer in time: the local share applies for STORE_RETRY_MS (counted once). */
  private fail(now: number): void {
    if (now < this.degradedUntil) return;
    this.claims += 1;
    this.pendingSince = undefined;
    this.degradedUntil = now + STORE_RETRY_MS;
    this.window = -1;
    this.trusted = false;
    this.stats.failures += 1;
  }
}
