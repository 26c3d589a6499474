import type { DependencyHealth, HealthReport } from '@msec/contracts';

/** One dependency check: resolves true (or a detail string) when ready, false or throws when not. */
export interface DependencyCheck {
  name: string;
  check: () => Promise<boolean | string>;
}

/** Runs a component's dependency checks with a per-check time limit and reports readiness. */
export class HealthReporter {
  private readonly startedAt = Date.now();

  constructor(
    private readonly component: string,
    private readonly checks: readonly DependencyCheck[],
    private readonly checkTimeoutMs = 2000,
  ) {}

  /** Readiness of the component: ready only when every dependency is. */
  async report(): Promise<HealthReport> {
    const dependencies = await Promise.all(this.checks.map((c) => this.run(c)));
    return {
      component: this.component,
      ready: dependencies.every((d) => d.ok),
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      dependencies,
    };
  }

  private async run(dependency: DependencyCheck): Promise<DependencyHealth> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.checkTimeoutMs} ms`)), this.checkTimeoutMs);
    });
    try {
      const result = await Promise.race([dependency.check(), timeout]);
      if (result === false) return { name: dependency.name, ok: false, detail: 'not ready' };
      return typeof result === 'string' ? { name: dependency.name, ok: true, detail: result } : { name: dependency.name, ok: true };
    } catch (error) {
      return { name: dependency.name, ok: false, detail: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
