import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * The lease that makes one scheduler of a group the dispatcher: a Redis key holding the holder's id with an expiry,
 * taken when free and renewed by its holder at a third of its life; a holder that dies loses it when it expires.
 */
export class SchedulerLease {
  private held = false;
  private renewedAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly holderId: string,
    private readonly leaseMs: number,
  ) {}

  /** True while this holder has the lease (as of the last `hold`). */
  get isHeld(): boolean {
    return this.held;
  }

  /** Takes the lease if free, or renews it if this holder has it; answers whether it does now. */
  async hold(): Promise<boolean> {
    // Renew at a third of the lease, not every round of the caller.
    const now = Date.now();
    if (this.held && now - this.renewedAt < this.leaseMs / 3) return true;
    this.renewedAt = now;
    try {
      const got = await this.redis.set(this.key, this.holderId, 'PX', this.leaseMs, 'NX');
      this.held = got === 'OK' || (await this.redis.eval(RENEW, 1, this.key, this.holderId, this.leaseMs)) === 1;
    } catch (error) {
      this.held = false;
      throw error;
    }
    return this.held;
  }

  /** Gives the lease up (if this holder has it), so a successor takes it at once rather than when it expires. */
  async release(): Promise<void> {
    if (this.held) await this.redis.eval(RELEASE, 1, this.key, this.holderId).catch(() => 0);
    this.held = false;
  }
}
