import { invalidOption } from '../rpc.errors.js';

/** How a caller's breaker for one callee method trips and recovers. Every field has a default. */
export interface BreakerSettings {
  /** Length of the sliding window the ratios are taken over, in ms. Default 10 000. */
  windowMs: number;
  /** Calls the window must hold before the breaker may open (nlb's minSamples). Default 10. */
  minCalls: number;
  /** Opens when failed calls / calls reach this (nlb ejects an instance under 60 % success). Default 0.4. */
  errorRatio: number;
  /** A call slower than this counts as slow, in ms. Default 1 000 (the default RPC timeout). */
  slowCallMs: number;
  /** Opens when slow calls / calls reach this; 1 leaves only all-slow windows tripping it. Default 0.8. */
  slowRatio: number;
  /** How long an open breaker refuses calls before letting probes through, in ms (nlb's first ejection). Default 1 000. */
  openMs: number;
  /** Probes let through half-open; that many successes close it, one failure opens it again. Default 3. */
  halfOpenProbes: number;
}

/** Defaults derived from the load balancer's ejection rules (see nlb's DEFAULT_ADAPTIVE_OPTIONS). */
export const DEFAULT_BREAKER_SETTINGS: Readonly<BreakerSettings> = Object.freeze({
  windowMs: 10_000,
  minCalls: 10,
  errorRatio: 0.4,
  slowCallMs: 1_000,
  slowRatio: 0.8,
  openMs: 1_000,
  halfOpenProbes: 3,
});

/** Checks partial settings and fills in defaults; throws RPC_INVALID_OPTION naming the field. */
export function breakerSettings(partial: Partial<BreakerSettings> = {}, field = 'breaker'): Readonly<BreakerSettings> {
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_BREAKER_SETTINGS)) {
      throw invalidOption(`${field}.${key}`, `is not a breaker setting; use ${Object.keys(DEFAULT_BREAKER_SETTINGS).join(', ')}`);
    }
  }
  const s = { ...DEFAULT_BREAKER_SETTINGS, ...partial };
  for (const key of ['errorRatio', 'slowRatio'] as const) {
    if (typeof s[key] !== 'number' || !(s[key] > 0 && s[key] <= 1))
      throw invalidOption(`${field}.${key}`, 'must be a ratio above 0 and at most 1');
  }
  for (const key of ['windowMs', 'slowCallMs', 'openMs'] as const) {
    if (typeof s[key] !== 'number' || !(s[key] >= 1))
      throw invalidOption(`${field}.${key}`, 'must be a number of milliseconds, at least 1');
  }
  for (const key of ['minCalls', 'halfOpenProbes'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw invalidOption(`${field}.${key}`, 'must be an integer of at least 1');
  }
  return Object.freeze(s);
}

/** Where a breaker stands. */
export const BreakerState = {
  closed: 'closed',
  open: 'open',
  halfOpen: 'half-open',
} as const;
/** One of the states in BreakerState. */
export type BreakerState = (typeof BreakerState)[keyof typeof BreakerState];

const BUCKETS = 10;

/** A breaker for one callee method: counts calls in a sliding window of ten time buckets. */
export class CircuitBreaker {
  state: BreakerState = BreakerState.closed;
  /** When the breaker last opened (ms, the clock given to it), 0 if never. */
  openedAt = 0;
  /** Times it opened since start. */
  opened = 0;
  /** Calls it refused since start. */
  refused = 0;
  private readonly calls = new Array<number>(BUCKETS).fill(0);
  private readonly failures = new Array<number>(BUCKETS).fill(0);
  private readonly slow = new Array<number>(BUCKETS).fill(0);
  private sumCalls = 0;
  private sumFailures = 0;
  private sumSlow = 0;
  private bucketStart = 0;
  private current = 0;
  private probesOut = 0;
  private probesOk = 0;

  constructor(public settings: Readonly<BreakerSettings> = DEFAULT_BREAKER_SETTINGS) {}

  /** True if a call may be sent now (closed, or a probe slot is free half-open); false counts a refusal. */
  tryPass(now: number): boolean {
    if (this.state === BreakerState.closed) return true;
    if (this.state === BreakerState.open) {
      if (now - this.openedAt < this.settings.openMs) {
        this.refused++;
        return false;
      }
      this.state = BreakerState.halfOpen;
      this.probesOut = 0;
      this.probesOk = 0;
    }
    if (this.probesOut + this.probesOk >= this.settings.halfOpenProbes) {
      this.refused++;
      return false;
    }
    this.probesOut++;
    return true;
  }

  /** Ms until an open breaker lets a probe through. */
  retryInMs(now: number): number {
    return this.state === BreakerState.open ? Math.max(0, Math.ceil(this.openedAt + this.settings.openMs - now)) : 0;
  }

  /** Records the outcome of a call that tryPass let through. */
  record(failed: boolean, latencyMs: number, now: number): void {
    if (this.state === BreakerState.halfOpen) {
      this.probesOut = Math.max(0, this.probesOut - 1);
      if (failed || latencyMs >= this.settings.slowCallMs) {
        this.trip(now);
      } else if (++this.probesOk >= this.settings.halfOpenProbes) {
        this.state = BreakerState.closed;
        this.reset(now);
      }
      return;
    }
    if (this.state === BreakerState.open) return;
    this.advance(now);
    const i = this.current;
    this.calls[i]!++;
    const calls = ++this.sumCalls;
    if (failed) {
      this.failures[i]!++;
      this.sumFailures++;
    }
    if (latencyMs >= this.settings.slowCallMs) {
      this.slow[i]!++;
      this.sumSlow++;
    }
    if (calls < this.settings.minCalls) return;
    if (this.sumFailures / calls >= this.settings.errorRatio || this.sumSlow / calls >= this.settings.slowRatio) this.trip(now);
  }

  /** Calls, failures and slow calls in the window. */
  totals(): { calls: number; failures: number; slow: number } {
    return { calls: this.sumCalls, failures: this.sumFailures, slow: this.sumSlow };
  }

  private trip(now: number): void {
    this.state = BreakerState.open;
    this.openedAt = now;
    this.opened++;
    this.reset(now);
  }

  private reset(now: number): void {
    this.calls.fill(0);
    this.failures.fill(0);
    this.slow.fill(0);
    this.sumCalls = 0;
    this.sumFailures = 0;
    this.sumSlow = 0;
    this.bucketStart = now;
    this.current = 0;
    this.probesOut = 0;
    this.probesOk = 0;
  }

  private advance(now: number): void {
    const width = this.settings.windowMs / BUCKETS;
    let steps = Math.floor((now - this.bucketStart) / width);
    if (steps <= 0) return;
    if (steps > BUCKETS) steps = BUCKETS;
    for (let s = 0; s < steps; s++) {
      this.current = (this.current + 1) % BUCKETS;
      this.sumCalls -= this.calls[this.current]!;
      this.sumFailures -= this.failures[this.current]!;
      this.sumSlow -= this.slow[this.current]!;
      this.calls[this.current] = 0;
      this.failures[this.current] = 0;
      this.slow[this.current] = 0;
    }
    this.bucketStart = now - ((now - this.bucketStart) % width);
  }
}

/** A breaker's state as a caller reports it. */
export interface BreakerReport {
  service: string;
  method: string;
  state: BreakerState;
  calls: number;
  failures: number;
  slow: number;
  opened: number;
  refused: number;
}

/** A caller's breakers, one per callee service and method; settings per callee service. */
export class CircuitBreakers {
  /** By service, then method: two lookups and no key string built per call. */
  private readonly breakers = new Map<string, Map<string, CircuitBreaker>>();
  private readonly perService = new Map<string, Readonly<BreakerSettings>>();

  constructor(
    private defaults: Readonly<BreakerSettings> = DEFAULT_BREAKER_SETTINGS,
    readonly now: () => number = () => performance.now(),
  ) {}

  /** Sets (or with undefined, clears) the settings for calls to `service`; its breakers take them at once. */
  configure(service: string, settings: Partial<BreakerSettings> | undefined): void {
    if (settings === undefined) this.perService.delete(service);
    else this.perService.set(service, breakerSettings(settings));
    const effective = this.perService.get(service) ?? this.defaults;
    for (const breaker of this.breakers.get(service)?.values() ?? []) breaker.settings = effective;
  }

  /** The breaker for `method` of `service`, made on first use. */
  for(service: string, method: string): CircuitBreaker {
    let methods = this.breakers.get(service);
    if (methods === undefined) this.breakers.set(service, (methods = new Map()));
    let breaker = methods.get(method);
    if (breaker === undefined) methods.set(method, (breaker = new CircuitBreaker(this.perService.get(service) ?? this.defaults)));
    return breaker;
  }

  /** Every breaker's state and window counts, for the caller's report. */
  report(): BreakerReport[] {
    const out: BreakerReport[] = [];
    for (const [service, methods] of this.breakers) {
      for (const [method, breaker] of methods) {
        const state = breaker.state === BreakerState.open && breaker.retryInMs(this.now()) === 0 ? BreakerState.halfOpen : breaker.state;
        out.push({ service, method, state, ...breaker.totals(), opened: breaker.opened, refused: breaker.refused });
      }
    }
    return out;
  }
}
