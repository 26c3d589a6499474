import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRpcAttr } from '@msec/contracts';
import { callRecordsToReports } from '../support/sdk-monitor.js';
import * as sdk from '@msec/sdk';

describe('sdk monitor', () => {
  it('sdk monitor - the aggregator merges by kind per minute and drops past its bound, counting', () => {
    const agg = new sdk.MinuteAggregator(2);
    assert.equal(agg.report('a', 1, 'sum', 2), true);
    agg.report('a', 1, 'sum', 3);
    agg.report('m', 1, 'max', 3);
    agg.report('m', 1, 'max', 1);
    assert.equal(agg.report('c', 1, 'sum', 1), false);
    assert.equal(agg.report('a', 1, 'sum', Number.NaN), false);
    const { items, reports } = agg.drain();
    assert.deepEqual(items, [
      ['a', 1, 'sum', 5, 2],
      ['m', 1, 'max', 3, 2],
    ]);
    assert.equal(reports, 4);
    assert.equal(agg.takeDropped(), 2);
    assert.equal(agg.size, 0);
  });

  it('sdk monitor - call records become per-minute caller → callee → method requests, failures and latency', () => {
    const t = 60_000 * 1000;
    const items = callRecordsToReports(
      [
        { caller: 'A.web', callee: 'B.mod', method: 'get', ok: true, latencyMs: 3, endedAt: t },
        { caller: 'A.web', callee: 'B.mod', method: 'get', ok: false, errorCode: 'RPC_TIMEOUT', latencyMs: 700, endedAt: t + 5 },
        { caller: 'A.web', callee: 'B.mod', method: 'get', ok: true, latencyMs: 4, endedAt: t + 60_000 },
      ],
      0,
    );
    const get = (minute: number, measure: string) => items.find((i) => i[1] === minute && parseRpcAttr(i[0])?.measure === measure)?.[3];
    assert.equal(get(1000, 'requests'), 2);
    assert.equal(get(1000, 'fail|RPC_TIMEOUT'), 1);
    assert.equal(get(1000, 'p99'), 700);
    assert.equal(get(1000, 'p50'), 3);
    assert.equal(get(1000, 'lat|2'), 1);
    assert.equal(get(1001, 'requests'), 1);
    assert.equal(sdk.latencyBucket(0.5), 0);
    assert.equal(sdk.latencyBucket(5000), 10);
  });

  it('sdk monitor - a reporter refuses a bad service name, naming the option', () => {
    assert.throws(
      () => new sdk.MonitorReporter({ nc: {} as never, service: 'nodot', host: 'h' }),
      /service: use the `First.Second` service name/,
    );
  });
});
