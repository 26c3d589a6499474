import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LogLevel, StatKind } from '@msec/contracts';
import { DROPPED_LINES_ATTR, LineBudget, LogLineCounters, SUPPRESSED_LINES_ATTR } from '../../src/log/line-budget.js';

describe('sdk log line budget', () => {
  it('line budget - lines below WARN pass up to the allowance each second, the rest are counted as suppressed', () => {
    let now = 10_000;
    const budget = new LineBudget({ linesPerSecond: 3, warnLinesPerSecond: 2, now: () => now });
    const infos = Array.from({ length: 5 }, () => budget.admit(LogLevel.INFO, false));
    assert.deepEqual(infos, [true, true, true, false, false]);
    assert.deepEqual(
      Array.from({ length: 3 }, () => budget.admit(LogLevel.ERROR, false)),
      [true, true, false],
      'WARN and above have an allowance of their own',
    );
    assert.equal(budget.takeSuppressed(), 3);
    assert.equal(budget.takeSuppressed(), 0, 'taking resets the count');
    now += 1000;
    assert.equal(budget.admit(LogLevel.INFO, false), true, 'the allowance is per second');
  });

  it('line budget - lines of traced or coloured requests always pass and are not counted against the allowance', () => {
    const budget = new LineBudget({ linesPerSecond: 1, warnLinesPerSecond: 1, now: () => 5_000 });
    assert.equal(budget.admit(LogLevel.INFO, false), true);
    for (let i = 0; i < 100; i++) assert.equal(budget.admit(LogLevel.DEBUG, true), true);
    assert.equal(budget.admit(LogLevel.INFO, false), false);
    assert.equal(budget.takeSuppressed(), 1);
  });

  it('line budget - an allowance of 0 ships every line', () => {
    const budget = new LineBudget({ linesPerSecond: 0, warnLinesPerSecond: 0, now: () => 5_000 });
    for (let i = 0; i < 10_000; i++) assert.equal(budget.admit(i % 2 ? LogLevel.INFO : LogLevel.WARN, false), true);
    assert.equal(budget.takeSuppressed(), 0);
  });

  it('line budget - suppressed and dropped lines become per-minute sums for Monitoring', () => {
    let losses = { suppressed: 7, dropped: 2 };
    const counters = new LogLineCounters(
      () => losses,
      () => 3 * 60_000 + 5,
    );
    assert.deepEqual(counters.drain(), [
      [SUPPRESSED_LINES_ATTR, 3, StatKind.sum, 7, 7],
      [DROPPED_LINES_ATTR, 3, StatKind.sum, 2, 2],
    ]);
    losses = { suppressed: 0, dropped: 0 };
    assert.deepEqual(counters.drain(), [], 'nothing lost, nothing reported');
  });
});
