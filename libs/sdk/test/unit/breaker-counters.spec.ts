import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreakers } from '@msec/rpc';
import { BreakerCounters } from '../../src/index.js';

describe('sdk breaker counters', () => {
  it('breaker counters - an opened breaker reports its state, openings and refusals; closed again it reports 0 once, then nothing', () => {
    let now = 0;
    const breakers = new CircuitBreakers(
      { windowMs: 10_000, minCalls: 2, errorRatio: 0.5, slowCallMs: 1000, slowRatio: 1, openMs: 100, halfOpenProbes: 1 },
      () => now,
    );
    const counters = new BreakerCounters(
      () => breakers.report(),
      () => 120_000,
    );
    const breaker = breakers.for('Flight.mod_flight', 'queryFlight');
    breakers.for('User.mod_user', 'check').record(false, 1, now);
    assert.deepEqual(counters.drain(), [], 'closed breakers send nothing');
    breaker.record(true, 1, now);
    breaker.record(true, 1, now);
    assert.equal(breaker.tryPass(now), false);
    assert.deepEqual(counters.drain(), [
      ['msec.breaker.state|Flight.mod_flight|queryFlight', 2, 'max', 2, 1],
      ['msec.breaker.opened|Flight.mod_flight|queryFlight', 2, 'sum', 1, 1],
      ['msec.breaker.refused|Flight.mod_flight|queryFlight', 2, 'sum', 1, 1],
    ]);
    now = 200;
    assert.equal(breaker.tryPass(now), true, 'a probe goes after openMs');
    breaker.record(false, 1, now);
    assert.deepEqual(counters.drain(), [['msec.breaker.state|Flight.mod_flight|queryFlight', 2, 'max', 0, 1]], 'closed: 0 once');
    assert.deepEqual(counters.drain(), []);
  });
});
