/** Settings of a TraceSampler. */
export interface TraceSamplerOptions {
  /** Share of entering requests traced, 0–1. */
  rate: number;
  /** Most traces started per second; further requests in that second are not traced. */
  maxPerSecond: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/**
 * Decides, at the module a request enters, whether it is traced: a random share (`rate`) capped at
 * `maxPerSecond` traces per process. The clock is read only for requests the rate lets through.
 */
export class TraceSampler {
  private rate: number;
  private maxPerSecond: number;
  private readonly now: () => number;
  private second = -1;
  private startedThisSecond = 0;
  /** Requests the cap kept from being traced. */
  capped = 0;

  constructor(options: TraceSamplerOptions) {
    this.rate = options.rate;
    this.maxPerSecond = options.maxPerSecond;
    this.now = options.now ?? Date.now;
  }

  /** True when this request is to be traced. */
  sample(): boolean {
    if (!(Math.random() < this.rate)) return false;
    const second = Math.floor(this.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.startedThisSecond = 0;
    }
    if (this.startedThisSecond >= this.maxPerSecond) {
      this.capped++;
      return false;
    }
    this.startedThisSecond++;
    return true;
  }

  /** Changes the settings (e.g. from the console); takes effect for the next request. */
  update(rate: number, maxPerSecond: number): void {
    this.rate = rate;
    this.maxPerSecond = maxPerSecond;
  }
}
