import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatKind, calleeRpcAttr, rpcAttr, type StatsBatch } from '@msec/contracts';
import { SeriesStore } from '../../src/series/series-store.js';
import { MonitorQueries, mergeCallRows } from '../../src/queries/monitor-queries.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const MIN = NOW / 60_000;

function batch(service: string, items: StatsBatch['items']): StatsBatch {
  return { v: 1, service, host: 'h1', instance: 'i', sentAt: NOW, dropped: 0, items };
}

/** Flight calls User 10 times a minute as Flight counts it; User counts 12 (2 from a client that is not an SDK). */
function store(): SeriesStore {
  const s = new SeriesStore(8, () => NOW);
  for (const m of [MIN - 10, MIN - 5, MIN]) {
    s.applyBatch(
      batch('Flight.mod_flight', [
        [rpcAttr('Flight.mod_flight', 'User.mod_user', 'getUser', 'requests'), m, StatKind.sum, 10, 10],
        [rpcAttr('Flight.mod_flight', 'User.mod_user', 'getUser', 'lat|1'), m, StatKind.sum, 10, 10],
        [rpcAttr('Flight.mod_flight', 'Fare.mod_fare', 'price', 'requests'), m, StatKind.sum, 4, 4],
        [rpcAttr('Flight.mod_flight', 'Fare.mod_fare', 'price', 'fail|RPC_TIMEOUT'), m, StatKind.sum, 1, 1],
        [rpcAttr('Flight.mod_flight', 'Fare.mod_fare', 'price', 'lat|9'), m, StatKind.sum, 4, 4],
      ]),
    );
    s.applyBatch(
      batch('User.mod_user', [
        [calleeRpcAttr('Flight.mod_flight', 'User.mod_user', 'getUser', 'requests'), m, StatKind.sum, 12, 12],
        [calleeRpcAttr('Flight.mod_flight', 'User.mod_user', 'getUser', 'lat|0'), m, StatKind.sum, 12, 12],
        [calleeRpcAttr('unknown@10.0.0.9', 'User.mod_user', 'getUser', 'requests'), m, StatKind.sum, 1, 1],
      ]),
    );
  }
  return s;
}

describe('call statistics', () => {
  it('call statistics - a range counts only its minutes; the callee side is taken where it reports, else the caller side', () => {
    const queries = new MonitorQueries(store(), () => NOW);
    const reply = queries.calls({ from: (MIN - 6) * 60_000, to: (MIN + 1) * 60_000 });
    assert.deepEqual(
      reply.rows.map((r) => [r.caller, r.callee, r.method, r.side, r.requests, r.failures]),
      [
        ['Flight.mod_flight', 'Fare.mod_fare', 'price', 'caller', 8, 2],
        ['Flight.mod_flight', 'User.mod_user', 'getUser', 'callee', 24, 0],
        ['unknown@10.0.0.9', 'User.mod_user', 'getUser', 'callee', 2, 0],
      ],
    );
    const fare = reply.rows[0]!;
    assert.deepEqual(fare.failuresByCode, { RPC_TIMEOUT: 2 });
    // Every call in the 500–1000 ms bucket: mean at its middle, max at its upper bound.
    assert.deepEqual([fare.avgMs, fare.maxMs], [750, 1000]);
    assert.equal(queries.calls({ day: '2026-11-21' }).rows[1]!.requests, 36);
  });

  it('call statistics - rows of both sides held by different shards merge to the callee side', () => {
    const queries = new MonitorQueries(store(), () => NOW);
    const rows = queries.calls({}).rows;
    const callerOnly = rows.map((r) => ({ ...r, side: 'caller' as const, requests: 1 }));
    const merged = mergeCallRows([...callerOnly, ...rows]);
    assert.equal(merged.length, 3);
    assert.deepEqual(
      merged.map((r) => r.requests),
      [1, 36, 3],
    );
  });

  it('call statistics - a bad range names the field', () => {
    const queries = new MonitorQueries(store(), () => NOW);
    assert.throws(() => queries.calls({ from: NOW }), { code: 'VALIDATION_FAILED' });
    assert.throws(() => queries.calls({ from: NOW, to: NOW - 1 }), /to/);
  });
});
