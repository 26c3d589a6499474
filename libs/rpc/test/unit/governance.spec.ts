import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MsecError } from '@msec/contracts';
import {
  breakerSettings,
  BreakerState,
  ClusterBucket,
  CircuitBreaker,
  CircuitBreakers,
  RateLimiter,
  errorFromPayload,
  parseTrafficPolicy,
  UnavailableError,
  type QuotaStore,
} from '../../src/index.js';

describe('rate limiter', () => {
  it('rate limit - admits qps a second after the burst and refuses the rest', () => {
    let now = 0;
    const limiter = new RateLimiter([{ method: 'a.B.c', qps: 10 }], () => now);
    let admitted = 0;
    for (let ms = 0; ms < 2_000; ms += 5) {
      now = ms;
      if (limiter.admit('a.B.c')) admitted++;
    }
    // A full bucket of 10, then 10 a second for 2 s.
    assert.ok(admitted >= 29 && admitted <= 31, `admitted ${admitted}`);
    assert.equal(limiter.refused.get('a.B.c'), 400 - admitted);
    assert.equal(limiter.admit('other.B.c'), true, 'a method without a limit is not limited');
  });

  it('rate limit - * limits every method without its own limit; removing the limits admits everything', () => {
    let now = 0;
    const limiter = new RateLimiter([{ method: '*', qps: 1 }], () => now);
    assert.equal(limiter.admit('x.Y.z'), true);
    assert.equal(limiter.admit('x.Y.z'), false);
    assert.equal(limiter.limitOf('x.Y.z'), 1);
    limiter.set([]);
    now = 1;
    assert.equal(limiter.admit('x.Y.z'), true);
    assert.equal(limiter.admit('x.Y.z'), true);
  });

  it('rate limit - bad input names the field', () => {
    assert.throws(
      () => new RateLimiter([{ method: 'a.B.c', qps: 0 }]),
      (e: MsecError) => e.code === 'RPC_INVALID_OPTION' && e.data?.field === 'limits.0.qps',
    );
    assert.throws(
      () => new RateLimiter([{ method: 'a.B.c', qps: 5, burst: 0 }]),
      (e: MsecError) => e.data?.field === 'limits.0.burst',
    );
  });

  it('rate limit - RPC_RATE_LIMITED comes back from the wire as a retryable UnavailableError', () => {
    const e = errorFromPayload({ code: 'RPC_RATE_LIMITED', message: 'x', status: 429, retryable: true });
    assert.ok(e instanceof UnavailableError);
    assert.equal(e.retryable, true);
  });
});

describe('circuit breaker', () => {
  const settings = breakerSettings({ minCalls: 4, errorRatio: 0.5, openMs: 100, halfOpenProbes: 2, windowMs: 1_000 });

  it('circuit breaker - opens on errors over the ratio after minCalls, refuses while open, closes after successful probes', () => {
    const b = new CircuitBreaker(settings);
    for (const failed of [false, true, false]) b.record(failed, 1, 10);
    assert.equal(b.state, BreakerState.closed, 'under minCalls it stays closed');
    b.record(true, 1, 10);
    assert.equal(b.state, BreakerState.open);
    assert.equal(b.tryPass(50), false);
    assert.equal(b.retryInMs(50), 60);
    assert.equal(b.tryPass(111), true, 'after openMs a probe goes through');
    assert.equal(b.state, BreakerState.halfOpen);
    assert.equal(b.tryPass(111), true);
    assert.equal(b.tryPass(111), false, 'no more than halfOpenProbes at once');
    b.record(false, 1, 112);
    b.record(false, 1, 112);
    assert.equal(b.state, BreakerState.closed);
    assert.equal(b.refused, 2);
  });

  it('circuit breaker - a failed probe opens it again; slow calls trip it too; old calls leave the window', () => {
    const b = new CircuitBreaker(settings);
    for (let i = 0; i < 4; i++) b.record(i < 2, 1, 0);
    assert.equal(b.state, BreakerState.open);
    assert.equal(b.tryPass(200), true);
    b.record(true, 1, 200);
    assert.equal(b.state, BreakerState.open);
    assert.equal(b.opened, 2);

    const slow = new CircuitBreaker(breakerSettings({ minCalls: 4, slowCallMs: 50, slowRatio: 0.75 }));
    for (let i = 0; i < 4; i++) slow.record(false, 60, 0);
    assert.equal(slow.state, BreakerState.open);

    const aging = new CircuitBreaker(settings);
    aging.record(true, 1, 0);
    aging.record(true, 1, 0);
    for (let i = 0; i < 4; i++) aging.record(false, 1, 2_000);
    assert.equal(aging.state, BreakerState.closed, 'failures older than the window do not count');
  });

  it('circuit breaker - settings per callee apply to its breakers; bad settings name the field', () => {
    const breakers = new CircuitBreakers();
    const b = breakers.for('flight', 'f.S.m');
    breakers.configure('flight', { minCalls: 2 });
    assert.equal(b.settings.minCalls, 2);
    assert.equal(breakers.for('other', 'o.S.m').settings.minCalls, 10);
    assert.throws(
      () => breakerSettings({ errorRatio: 2 }),
      (e: MsecError) => e.data?.field === 'breaker.errorRatio',
    );
    assert.throws(
      () => breakerSettings({ bogus: 1 } as never),
      (e: MsecError) => e.data?.field === 'breaker.bogus',
    );
    assert.deepEqual(
      breakers.report().map((r) => [r.service, r.method, r.state]),
      [
        ['flight', 'f.S.m', 'closed'],
        ['other', 'o.S.m', 'closed'],
      ],
    );
  });
});

describe('rate limiter share', () => {
  it('rate limit - a cluster limit is divided among the serving instances; an instance limit is not', () => {
    let now = 0;
    const limiter = new RateLimiter(
      [
        { method: 'a.B.c', qps: 30, cluster: true },
        { method: 'a.B.d', qps: 30 },
      ],
      () => now,
    );
    limiter.share(3);
    assert.deepEqual(
      limiter.limits.map((l) => [l.method, l.qps]),
      [
        ['a.B.c', 10],
        ['a.B.d', 30],
      ],
    );
    now = 1;
    limiter.share(0);
    assert.equal(limiter.limitOf('a.B.c'), 30, 'no serving instance known: the whole limit');
  });
});

describe('traffic policy', () => {
  it('traffic policy - a policy is parsed from znode JSON; a bad one names the field and is refused whole', () => {
    const policy = parseTrafficPolicy(Buffer.from('{"version":3,"limits":[{"method":"a.B.c","qps":5}],"breaker":{"openMs":500}}'));
    assert.deepEqual(policy, { version: 3, limits: [{ method: 'a.B.c', qps: 5 }], breaker: { openMs: 500 }, routes: [] });
    const field = (input: unknown): unknown => {
      try {
        parseTrafficPolicy(input, 'traffic');
      } catch (e) {
        return (e as MsecError).data?.field;
      }
      return undefined;
    };
    assert.equal(field('{'), 'traffic');
    assert.equal(field({ version: -1, limits: [] }), 'traffic.version');
    assert.equal(field({ version: 1, limits: [{ method: 'a.B.c', qps: 'x' }] }), 'traffic.limits.0.qps');
    assert.equal(
      field({
        version: 1,
        limits: [
          { method: 'a.B.c', qps: 1 },
          { method: 'a.B.c', qps: 2 },
        ],
      }),
      'traffic.limits.1.method',
    );
    assert.equal(field({ version: 1, limits: [], breaker: { minCalls: 0 } }), 'traffic.breaker.minCalls');
  });
});

describe('cluster-wide rate limit', () => {
  /** A count per method and second, as the KV bucket keeps it. */
  const memoryStore = (): QuotaStore & { counts: Map<string, number> } => {
    const counts = new Map<string, number>();
    return {
      counts,
      claim: async (method, window, want, limit) => {
        const key = `${method}@${window}`;
        const used = counts.get(key) ?? 0;
        const granted = Math.max(0, Math.min(want, limit - used));
        counts.set(key, used + granted);
        return granted;
      },
    };
  };
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 4; i += 1) await Promise.resolve();
  };

  it('cluster limit - two instances sharing one count admit the limit a second in all, however the calls are spread', async () => {
    const store = memoryStore();
    let wall = 4_999_999;
    let mono = 0;
    const stats = { failures: 0 };
    const a = new ClusterBucket(
      'a.B.c',
      100,
      2,
      undefined,
      store,
      stats,
      () => mono,
      () => wall,
    );
    const b = new ClusterBucket(
      'a.B.c',
      100,
      2,
      undefined,
      store,
      stats,
      () => mono,
      () => wall,
    );
    const admitted = [0, 0, 0];
    for (let ms = 0; ms < 3000; ms += 1) {
      wall += 1;
      mono += 1;
      // a gets a call every millisecond, b one every third: a would get only half with an even split
      if (a.take(mono)) admitted[Math.floor(ms / 1000)]! += 1;
      if (ms % 3 === 0 && b.take(mono)) admitted[Math.floor(ms / 1000)]! += 1;
      await flush();
    }
    for (const n of admitted) assert.ok(n >= 95 && n <= 100, `admitted per second: ${admitted.join(', ')}`);
    assert.equal(stats.failures, 0);
  });

  it('cluster limit - a failing store leaves each instance its even share, and a store that answers again is used again', async () => {
    let failing = true;
    const healthy = memoryStore();
    const store: QuotaStore = {
      claim: (method, window, want, limit) =>
        failing ? Promise.reject(new Error('bucket gone')) : healthy.claim(method, window, want, limit),
    };
    let wall = 6_999_999;
    let mono = 0;
    const stats = { failures: 0 };
    const a = new ClusterBucket(
      'a.B.c',
      100,
      2,
      10,
      store,
      stats,
      () => mono,
      () => wall,
    );
    const admitted = [0, 0, 0, 0, 0, 0];
    for (let ms = 0; ms < 6000; ms += 1) {
      wall += 1;
      mono += 1;
      if (ms === 3000) failing = false;
      if (a.take(mono)) admitted[Math.floor(ms / 1000)]! += 1;
      await flush();
    }
    // while failing: 50 a second (the share of 2) after the first chunk and a burst of 10
    for (const n of admitted.slice(1, 3)) assert.ok(n >= 45 && n <= 55, `admitted per second while failing: ${admitted.join(', ')}`);
    assert.ok(stats.failures >= 1);
    // the store is tried again within 2 s of the failure and then gives the whole limit
    assert.ok(admitted[5]! >= 95 && admitted[5]! <= 100, `admitted per second once back: ${admitted.join(', ')}`);
  });
});
