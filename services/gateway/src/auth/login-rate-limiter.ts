/** Window and allowance of failed logins per username and address. */
export const LOGIN_LIMIT = { failures: 5, windowMs: 60_000 } as const;

/** Counts failed logins per (username, address) in a sliding window; memory-only, so it resets with the gateway. */
export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: { failures: number; windowMs: number } = LOGIN_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before trying again, or 0 when a login may be attempted. */
  retryAfterSeconds(username: string, ip: string): number {
    const recent = this.recent(this.key(username, ip));
    if (recent.length < this.limit.failures) return 0;
    const oldest = recent[recent.length - this.limit.failures] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.limit.windowMs - this.now()) / 1000));
  }

  /** Records one failed attempt. */
  fail(username: string, ip: string): void {
    const key = this.key(username, ip);
    this.failures.set(key, [...this.recent(key), this.now()]);
    if (this.failures.size > 10_000) this.prune();
  }

  /** Forgets the failures after a successful login. */
  succeed(username: string, ip: string): void {
    this.failures.delete(this.key(username, ip));
  }

  private key(username: string, ip: string): string {
    return `${username.toLowerCase()}\u0000${ip}`;
  }

  private recent(key: string): number[] {
    const since = this.now() - this.limit.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }

  private prune(): void {
    for (const key of [...this.failures.keys()]) {
      if (this.recent(key).length === 0) this.failures.delete(key);
    }
  }
}
