import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatKind, type StatsBatch } from '@msec/contracts';
import { SeriesStore } from '../../src/series/series-store.js';
import { readSnapshot, writeSnapshot } from '../../src/series/snapshot-file.js';
import { consumerPlan } from '../../src/ingest/stats-ingest.js';
import { histogramPercentile } from '../../src/queries/monitor-queries.js';
import { validateRuleInput } from '../../src/alarms/alarm-rules.domain.js';
import { formatDay, parseDay } from '../../src/series/minute-time.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const MIN = NOW / 60_000;

function batch(host: string, items: StatsBatch['items'], dropped = 0): StatsBatch {
  return { v: 1, service: 'A.b', host, instance: 'i', sentAt: NOW, dropped, items };
}

describe('series store', () => {
  it('series store - every item updates its host series and the service aggregate, merged by kind', () => {
    const store = new SeriesStore(8, () => NOW);
    store.applyBatch(
      batch('h1', [
        ['n', MIN, StatKind.sum, 2, 2],
        ['mx', MIN, StatKind.max, 5, 1],
        ['av', MIN, StatKind.avg, 10, 2],
        ['mn', MIN, StatKind.min, 4, 1],
      ]),
    );
    store.applyBatch(
      batch('h2', [
        ['n', MIN, StatKind.sum, 3, 3],
        ['mx', MIN, StatKind.max, 9, 1],
        ['av', MIN, StatKind.avg, 2, 2],
        ['mn', MIN, StatKind.min, 7, 1],
      ]),
    );
    assert.equal(store.find('A.b', 'n')?.valueAt(MIN), 5);
    assert.equal(store.find('A.b', 'n', 'h1')?.valueAt(MIN), 2);
    assert.equal(store.find('A.b', 'mx')?.valueAt(MIN), 9);
    assert.equal(store.find('A.b', 'mn')?.valueAt(MIN), 4);
    assert.equal(store.find('A.b', 'av')?.valueAt(MIN), 3);
    assert.equal(store.seriesCount(), 8);
  });

  it('series store - refuses a second kind, old minutes and malformed items, and records dropped counts', () => {
    const store = new SeriesStore(2, () => NOW);
    store.applyBatch(
      batch(
        'h1',
        [
          ['n', MIN, StatKind.sum, 1, 1],
          ['n', MIN, StatKind.max, 1, 1],
          ['n', MIN - 3 * 1440, StatKind.sum, 1, 1],
          ['', MIN, StatKind.sum, 1, 1],
        ],
        7,
      ),
    );
    assert.equal(store.counters.kindConflicts, 1);
    assert.equal(store.counters.outOfRange, 1);
    assert.equal(store.counters.invalid, 1);
    assert.equal(store.find('A.b', 'msec.monitor.dropped_reports')?.valueAt(MIN), 7);
  });

  it('series store - a snapshot round-trips exactly, rewrites only changed days, and a damaged one is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msec-test-monitor-unit-'));
    try {
      const store = new SeriesStore(8, () => NOW);
      store.applyBatch(
        batch('h1', [
          ['n', MIN, StatKind.sum, 2, 2],
          ['av', MIN - 1440, StatKind.avg, 9, 3],
        ]),
      );
      const header = { takenAt: NOW, shardIndex: 0, shards: 1 };
      const first = writeSnapshot(dir, store, store.takeDirtyDays(), { ...header, streamSeq: { all: 42 } });
      assert.equal(Object.keys(first.days).length, 2);
      store.applyBatch(batch('h2', [['n', MIN, StatKind.sum, 5, 5]]));
      const second = writeSnapshot(dir, store, store.takeDirtyDays(), { ...header, streamSeq: { all: 43 } });
      const today = String(Math.floor(MIN / 1440));
      const yesterday = String(Math.floor(MIN / 1440) - 1);
      assert.notEqual(second.days[today], first.days[today]);
      assert.equal(second.days[yesterday], first.days[yesterday]);
      assert.deepEqual(readdirSync(dir).sort(), ['manifest.json', second.days[yesterday]!, second.days[today]!].sort());

      const copy = new SeriesStore(8, () => NOW);
      const manifest = await readSnapshot(dir, copy);
      assert.deepEqual(manifest?.streamSeq, { all: 43 });
      assert.equal(copy.find('A.b', 'n')?.valueAt(MIN), 7);
      assert.equal(copy.find('A.b', 'n', 'h2')?.valueAt(MIN), 5);
      assert.equal(copy.find('A.b', 'av')?.valueAt(MIN - 1440), 3);
      writeFileSync(join(dir, second.days[today]!), '{"s":"A.b"');
      await assert.rejects(readSnapshot(dir, new SeriesStore(8, () => NOW)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('series store - shards split the 16 partitions between them', () => {
    assert.deepEqual(consumerPlan(0, 1), [{ key: 'all', filter: 'msec.telemetry.stats.>' }]);
    const a = consumerPlan(0, 3).map((p) => p.key);
    const b = consumerPlan(1, 3).map((p) => p.key);
    const c = consumerPlan(2, 3).map((p) => p.key);
    assert.equal(a.length + b.length + c.length, 16);
    assert.deepEqual(new Set([...a, ...b, ...c]).size, 16);
  });

  it('series store - days parse and format as UTC dates', () => {
    assert.equal(formatDay(parseDay('2026-11-21')!), '2026-11-21');
    assert.equal(parseDay('2026-02-30'), undefined);
  });
});

describe('monitor helpers', () => {
  it('monitor helpers - percentiles come from the merged latency histogram', () => {
    assert.equal(histogramPercentile([0, 0, 0, 0], 50), null);
    assert.equal(histogramPercentile([10], 100), 1);
    assert.equal(histogramPercentile([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4], 99), 1000);
  });

  it('monitor helpers - rule validation names the field', () => {
    assert.throws(
      () => validateRuleInput({ service: 'A.b', attr: 'x', type: 'wave', threshold: 0 }),
      /^ValidationError: threshold:|threshold: a wave rule/,
    );
    assert.throws(
      () => validateRuleInput({ service: 'A.b', attr: 'x', type: 'max', threshold: 1, enabled: 'yes' }),
      /enabled: use true or false/,
    );
    assert.deepEqual(validateRuleInput({ service: 'A.b', attr: 'x', type: 'max', threshold: 1 }), {
      service: 'A.b',
      attr: 'x',
      type: 'max',
      threshold: 1,
      host: null,
      webhookUrl: null,
      enabled: true,
    });
  });
});
