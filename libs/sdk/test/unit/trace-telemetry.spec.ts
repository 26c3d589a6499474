import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRpcAttr, parseRpcStatAttr, RpcStatSide, StatKind, type StatItem } from '@msec/contracts';
import { readSdkEnvironment } from '../../src/config/sdk-env.js';
import { RpcCallStats } from '../../src/monitor/rpc-call-stats.js';
import { TraceSampler } from '../../src/telemetry/trace-sampler.js';

const MINUTE = 60_000;
const value = (items: StatItem[], attr: string): number | undefined => items.find((i) => i[0] === attr)?.[3];

describe('sdk tracing and call statistics', () => {
  it('trace sampler - rate 0 never traces, rate 1 traces up to the cap each second', () => {
    let now = 5_000;
    const none = new TraceSampler({ rate: 0, maxPerSecond: 100 });
    assert.equal(
      Array.from({ length: 1000 }, () => none.sample()).some((x) => x),
      false,
    );
    const all = new TraceSampler({ rate: 1, maxPerSecond: 3, now: () => now });
    assert.deepEqual(
      Array.from({ length: 5 }, () => all.sample()),
      [true, true, true, false, false],
    );
    assert.equal(all.capped, 2);
    now += 1000;
    assert.equal(all.sample(), true, 'the cap is per second');
  });

  it('trace sampler - a rate of 0.1 traces about a tenth of requests', () => {
    const sampler = new TraceSampler({ rate: 0.1, maxPerSecond: 1_000_000 });
    const traced = Array.from({ length: 20_000 }, () => sampler.sample()).filter((x) => x).length;
    assert.ok(traced > 1500 && traced < 2500, `${traced} of 20000 traced`);
  });

  it('sdk env - tracing keys have defaults and a bad value names the key', () => {
    const env = readSdkEnvironment({});
    assert.deepEqual([env.traceSampleRate, env.traceMaxPerSecond, env.traceSlowMs], [0.01, 100, 1000]);
    const set = readSdkEnvironment({ MSEC_TRACE_SAMPLE_RATE: '1', MSEC_TRACE_MAX_PER_SECOND: '5', MSEC_TRACE_SLOW_MS: '250' });
    assert.deepEqual([set.traceSampleRate, set.traceMaxPerSecond, set.traceSlowMs], [1, 5, 250]);
    assert.throws(() => readSdkEnvironment({ MSEC_TRACE_SAMPLE_RATE: '2' }), /MSEC_TRACE_SAMPLE_RATE: must be a number from 0 to 1/);
    assert.throws(() => readSdkEnvironment({ MSEC_TRACE_MAX_PER_SECOND: '1.5' }), /MSEC_TRACE_MAX_PER_SECOND: must be a whole number/);
  });

  it('rpc call stats - counts requests, failures by code and a latency histogram per caller, callee and method, per minute', () => {
    const stats = new RpcCallStats(RpcStatSide.callee);
    const t = 100 * MINUTE + 5;
    stats.record('A.a', 'B.b', 'get', undefined, 0.4, t);
    stats.record('A.a', 'B.b', 'get', 'RPC_TIMEOUT', 1500, t + 10);
    stats.record('unknown@127.0.0.1', 'B.b', 'get', undefined, 3, t + 20);
    stats.record('A.a', 'B.b', 'get', undefined, 0.2, t + MINUTE);
    const items = stats.drain();
    assert.deepEqual(
      items.filter((i) => i[0] === 'rpcin|A.a|B.b|get|requests').map((i) => [i[1], i[3]]),
      [
        [100, 2],
        [101, 1],
      ],
    );
    assert.equal(value(items, 'rpcin|A.a|B.b|get|fail|RPC_TIMEOUT'), 1);
    assert.equal(value(items, 'rpcin|A.a|B.b|get|lat|0'), 1);
    assert.equal(value(items, 'rpcin|A.a|B.b|get|lat|10'), 1, 'over 1000 ms goes to the open-ended bucket');
    assert.equal(value(items, 'rpcin|unknown@127.0.0.1|B.b|get|lat|2'), 1);
    assert.ok(items.every((i) => i[2] === StatKind.sum));
    assert.deepEqual(stats.drain(), [], 'drained items are not sent twice');
  });

  it('rpc call stats - callee-side attributes parse with their side and stay out of the caller-side table', () => {
    const caller = new RpcCallStats(RpcStatSide.caller);
    caller.record('A.a', 'B.b', 'get', undefined, 1, 0);
    const [item] = caller.drain();
    assert.equal(item![0], 'rpc|A.a|B.b|get|requests');
    assert.deepEqual(parseRpcStatAttr('rpcin|unknown@10.0.0.1|B.b|get|fail|X'), {
      side: 'callee',
      caller: 'unknown@10.0.0.1',
      callee: 'B.b',
      method: 'get',
      measure: 'fail|X',
    });
    assert.equal(parseRpcAttr('rpcin|A.a|B.b|get|requests'), undefined);
    assert.equal(parseRpcStatAttr('rpc|A.a|B.b|get|requests')?.side, 'caller');
  });

  it('rpc call stats - a new row beyond the limit is dropped and counted, existing rows still count', () => {
    const stats = new RpcCallStats(RpcStatSide.callee, 1);
    stats.record('A.a', 'B.b', 'get', undefined, 1, 0);
    stats.record('C.c', 'B.b', 'get', undefined, 1, 0);
    stats.record('A.a', 'B.b', 'get', undefined, 1, 0);
    assert.equal(stats.takeDropped(), 1);
    assert.equal(value(stats.drain(), 'rpcin|A.a|B.b|get|requests'), 2);
  });
});
