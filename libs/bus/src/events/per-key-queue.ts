/**
 * Runs the work of one key (an aggregate) one at a time within this process, so its own requests never race each
 * other's appends; across processes the append's expected sequence still decides.
 */
export class PerKeyQueue {
  private readonly chains = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.chains.get(key) ?? Promise.resolve();
    const run = before.then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return run;
  }
}
