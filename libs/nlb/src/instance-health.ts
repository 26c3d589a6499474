import { invalidOption } from './nlb.errors.js';

/** How the caller's view of an instance moves with what it sees. Every field has a default. */
export interface AdaptiveOptions {
  /** Consecutive failures that eject an instance at once (MSEC waits for a 5 s period; we react within a few calls). */
  ejectAfterFailures: number;
  /** An instance whose smoothed success ratio falls below this, after minSamples calls, is ejected (MSEC: 0.6). */
  minSuccessRatio: number;
  minSamples: number;
  /** Weight of the newest result in the success EWMA. */
  successAlpha: number;
  /** Weight of the newest latency in the latency EWMA. */
  latencyAlpha: number;
  /** First ejection lasts this long; each ejection in a row doubles it up to maxEjectMs. */
  baseEjectMs: number;
  maxEjectMs: number;
  /** A probe that has not reported after this long no longer blocks the next probe. */
  probeTimeoutMs: number;
  /** A recovered instance restarts at this share of its weight (MSEC: 10 %)… */
  resumeRatio: number;
  /** …and climbs linearly back to full over this long, unless it fails again. */
  recoveryMs: number;
  /** Latencies are compared as (fastest + floor) / (own + floor), so sub-millisecond noise does not move weights. */
  latencyFloorMs: number;
  /** A slow but healthy instance keeps at least this share of its weight. */
  minLatencyFactor: number;
  /** A latency sample counts as at most this many times the current average (plus the floor). */
  latencyOutlierCap: number;
}

/** Defaults, tuned for RPC timeouts around one second. */
export const DEFAULT_ADAPTIVE_OPTIONS: Readonly<AdaptiveOptions> = Object.freeze({
  ejectAfterFailures: 3,
  minSuccessRatio: 0.6,
  minSamples: 10,
  successAlpha: 0.1,
  latencyAlpha: 0.2,
  baseEjectMs: 1_000,
  maxEjectMs: 30_000,
  probeTimeoutMs: 2_000,
  resumeRatio: 0.1,
  recoveryMs: 10_000,
  latencyFloorMs: 2,
  minLatencyFactor: 0.1,
  latencyOutlierCap: 4,
});

/** Checks partial options and fills in defaults; throws NLB_INVALID_OPTION naming the field. */
export function adaptiveOptions(partial: Partial<AdaptiveOptions> = {}): Readonly<AdaptiveOptions> {
  const o = { ...DEFAULT_ADAPTIVE_OPTIONS, ...partial };
  const ratio = (k: keyof AdaptiveOptions, lo: number, hi: number): void => {
    if (!(o[k] >= lo && o[k] <= hi)) throw invalidOption(`adaptive.${k}`, `must be between ${lo} and ${hi}`);
  };
  ratio('minSuccessRatio', 0, 1);
  ratio('successAlpha', 0.001, 1);
  ratio('latencyAlpha', 0.001, 1);
  ratio('resumeRatio', 0.001, 1);
  ratio('minLatencyFactor', 0, 1);
  for (const k of [
    'latencyOutlierCap',
    'ejectAfterFailures',
    'minSamples',
    'baseEjectMs',
    'maxEjectMs',
    'probeTimeoutMs',
    'recoveryMs',
    'latencyFloorMs',
  ] as const) {
    if (!(o[k] >= 0)) throw invalidOption(`adaptive.${k}`, 'must be a number, 0 or more');
  }
  if (o.maxEjectMs < o.baseEjectMs) throw invalidOption('adaptive.maxEjectMs', 'must be at least baseEjectMs');
  return Object.freeze(o);
}

/** Where an instance stands in this caller's eyes. */
export const HealthState = {
  healthy: 'healthy',
  ejected: 'ejected',
  recovering: 'recovering',
} as const;
/** One of HealthState. */
export type HealthState = (typeof HealthState)[keyof typeof HealthState];

/** One caller's running view of one instance: success and latency EWMAs, ejection and recovery. Pure; time comes in. */
export class InstanceHealth {
  state: HealthState = HealthState.healthy;
  successRatio = 1;
  latencyMs: number | undefined;
  samples = 0;
  consecutiveFailures = 0;
  /** Ejections in a row without a full recovery between them. */
  ejections = 0;
  ejectedUntil = 0;
  private recoveringSince = 0;
  private probeSentAt: number | undefined;
  private readonly o: Readonly<AdaptiveOptions>;

  constructor(options: Readonly<AdaptiveOptions>) {
    this.o = options;
  }

  /** True when the instance is ejected, its time is up and no probe is out: the next call should probe it. */
  probeDue(now: number): boolean {
    if (this.state !== HealthState.ejected || now < this.ejectedUntil) return false;
    return this.probeSentAt === undefined || now - this.probeSentAt > this.o.probeTimeoutMs;
  }

  /** Notes that a probe call has been sent. */
  markProbe(now: number): void {
    this.probeSentAt = now;
  }

  /** Folds in one call's outcome. */
  record(ok: boolean, latencyMs: number, now: number): void {
    this.samples++;
    this.successRatio += this.o.successAlpha * ((ok ? 1 : 0) - this.successRatio);
    if (ok && Number.isFinite(latencyMs) && latencyMs >= 0) {
      if (this.latencyMs === undefined) {
        this.latencyMs = latencyMs;
      } else {
        // One outlier moves the average by at most a bounded step, so a single slow reply cannot send the
        // traffic elsewhere; a run of slow replies still compounds quickly.
        const sample = Math.min(latencyMs, this.latencyMs * this.o.latencyOutlierCap + this.o.latencyFloorMs);
        this.latencyMs += this.o.latencyAlpha * (sample - this.latencyMs);
      }
    }
    if (this.state === HealthState.ejected) {
      // Calls sent before the ejection fail one after another as they time out; each would double the ejection
      // (a host whose link dropped for 4 s stayed out 30 s). Only the probe's failure says it is still down.
      if (!ok && this.probeSentAt === undefined) return;
      this.probeSentAt = undefined;
      if (ok) this.startRecovery(now);
      else this.eject(now);
      return;
    }
    if (ok) {
      this.consecutiveFailures = 0;
      return;
    }
    this.consecutiveFailures++;
    const tooManyInARow = this.consecutiveFailures >= this.o.ejectAfterFailures;
    const tooLowRatio = this.samples >= this.o.minSamples && this.successRatio < this.o.minSuccessRatio;
    // A failure while recovering means the instance is not back yet.
    if (tooManyInARow || tooLowRatio || this.state === HealthState.recovering) this.eject(now);
  }

  /**
   * Share of its static weight the instance should get now: 0 when ejected, success² (MSEC's r²) times a
   * latency factor relative to the fastest peer, times the recovery ramp.
   */
  factor(now: number, fastestLatencyMs: number | undefined): number {
    if (this.state === HealthState.ejected) return 0;
    let f = this.successRatio * this.successRatio;
    if (fastestLatencyMs !== undefined && this.latencyMs !== undefined) {
      const floor = this.o.latencyFloorMs;
      f *= Math.min(1, Math.max(this.o.minLatencyFactor, (fastestLatencyMs + floor) / (this.latencyMs + floor)));
    }
    if (this.state === HealthState.recovering) {
      const progress = this.o.recoveryMs === 0 ? 1 : (now - this.recoveringSince) / this.o.recoveryMs;
      if (progress >= 1) {
        this.state = HealthState.healthy;
        this.ejections = 0;
      } else {
        f *= this.o.resumeRatio + (1 - this.o.resumeRatio) * progress;
      }
    }
    return f;
  }

  private eject(now: number): void {
    this.state = HealthState.ejected;
    this.ejections++;
    this.ejectedUntil = now + Math.min(this.o.maxEjectMs, this.o.baseEjectMs * 2 ** (this.ejections - 1));
    this.probeSentAt = undefined;
  }

  private startRecovery(now: number): void {
    this.state = HealthState.recovering;
    this.recoveringSince = now;
    this.consecutiveFailures = 0;
    // Start the success EWMA afresh so the old failures do not keep the weight down after the ramp.
    this.successRatio = 1;
    this.samples = 0;
  }
}
