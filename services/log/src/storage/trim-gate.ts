import { Injectable } from '@nestjs/common';

/**
 * Holds ingest while the store is being brought back under its limits. Both write on the one SQLite connection and
 * yield between their steps; without the gate, ingest under overload adds rows as fast as a trim removes them and
 * the store never gets back under its limit. Held, the unread telemetry waits in the bounded ingest stream, which
 * drops and counts its oldest messages.
 */
@Injectable()
export class TrimGate {
  private running: Promise<unknown> | undefined;

  /** Runs `work` with ingest held until it ends. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    const run = work();
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  /** Resolves once no trim is running. */
  async whenOpen(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }
}
