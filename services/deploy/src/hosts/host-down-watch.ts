import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { hostDown } from '../deploy.errors.js';
import { HOST_SWEEP_MS, HostsProjection } from './hosts.projection.js';

/** What the watch reads: which hosts the hosts read model has marked down. */
export type DownHosts = Pick<HostsProjection, 'down'>;

/** Fails one piece of work waiting on a host, once. */
type Waiter = (error: Error) => void;

/**
 * Cuts short what waits on a host as soon as deploy marks it down: a command in flight to a host that lost its link
 * would otherwise wait for its own timeout (two minutes for an install). It reads the hosts read model rather than
 * listening to this process's sweeper because deploy processes share that table and any of them may be the one that
 * marks the host down (after appending `deploy.HostDown`); one query per sweep interval covers every watched host.
 */
@Injectable()
export class HostDownWatch implements OnApplicationShutdown {
  private readonly logger = new Logger('deploy-host-down-watch');
  private readonly waiters = new Map<string, Set<Waiter>>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(@Inject(HostsProjection) private readonly hosts: DownHosts) {}

  /**
   * Runs `work` against the host unless it is down already; rejects with DEPLOY_HOST_DOWN (and aborts `signal`) as
   * soon as the host is marked down while `work` runs. What `work` settles with after that is dropped.
   */
  async whileUp<T>(hostId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const [down] = await this.hosts.down([hostId]);
    // a command sent now would wait in the host's connection and could run when its link returns, after the release moved on
    if (down) throw hostDown(hostId, Date.now() - down.lastSeenAt);
    const abort = new AbortController();
    return new Promise<T>((resolve, reject) => {
      const fail: Waiter = (error) => {
        this.remove(hostId, fail);
        abort.abort(error);
        reject(error);
      };
      this.add(hostId, fail);
      Promise.resolve()
        .then(() => work(abort.signal))
        .then(
          (value) => {
            this.remove(hostId, fail);
            resolve(value);
          },
          (error: unknown) => {
            this.remove(hostId, fail);
            reject(error);
          },
        );
    });
  }

  onApplicationShutdown(): void {
    this.stopChecking();
  }

  private add(hostId: string, waiter: Waiter): void {
    const waiting = this.waiters.get(hostId) ?? new Set<Waiter>();
    waiting.add(waiter);
    this.waiters.set(hostId, waiting);
    this.timer ??= setInterval(() => void this.check(), HOST_SWEEP_MS);
  }

  private remove(hostId: string, waiter: Waiter): void {
    const waiting = this.waiters.get(hostId);
    waiting?.delete(waiter);
    if (waiting?.size === 0) this.waiters.delete(hostId);
    if (this.waiters.size === 0) this.stopChecking();
  }

  private stopChecking(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async check(): Promise<void> {
    if (this.checking || this.waiters.size === 0) return;
    this.checking = true;
    try {
      const now = Date.now();
      for (const { hostId, lastSeenAt } of await this.hosts.down([...this.waiters.keys()])) {
        const error = hostDown(hostId, now - lastSeenAt);
        for (const fail of [...(this.waiters.get(hostId) ?? [])]) fail(error);
      }
    } catch (error) {
      // asked again on the next tick; the commands keep their own timeouts meanwhile
      this.logger.warn(`cannot read which hosts are down: ${String(error)}`);
    } finally {
      this.checking = false;
    }
  }
}
