// Reports ingested per second on one core: SDK add() aggregation, then the monitor reading batches from JetStream into its series.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { MonitorSubjects, StatKind, type StatItem, type StatsBatch, NatsRole } from '@msec/contracts';
import { SeriesStore, StatsIngest, loadMonitorConfig } from '@msec/service-monitor';
import { startNats } from '@msec/testing';
import * as sdk from '@msec/sdk';
import { emit, environment, measured } from './stats.js';

const REPORTS = Number(process.env.BENCH_REPORTS ?? 2_000_000);
const ITEMS_PER_BATCH = 2000;
const SERVICES = 100;
const HOSTS = 10;
const ATTRS = 10;

// 1. SDK side: add() calls aggregated per minute in the process.
const aggregator = new sdk.MinuteAggregator(1_000_000);
const attrs = Array.from({ length: 50 }, (_, i) => `attr_${i}`);
const minute = Math.floor(Date.now() / 60_000);
const sdkRun = await measured(async () => {
  for (let i = 0; i < REPORTS; i++) aggregator.report(attrs[i % attrs.length]!, minute, StatKind.sum, 1);
});

// 2. Monitor side: every report arrives as its own item (no aggregation help), through JetStream, into the series store.
const nats = await startNats();
const nc = await nats.connect();
const dataDir = mkdtempSync(join(tmpdir(), 'msec-test-monitor-bench-'));
try {
  const js = jetstream(nc);
  const probe = new sdk.MonitorReporter({ nc, service: 'Bench.s0', host: 'h0', flushIntervalMs: 60_000 });
  probe.add('warm');
  await probe.close(); // creates the stream the way a real reporter does
  let published = 0;
  const pending: Promise<unknown>[] = [];
  for (let b = 0; published < REPORTS; b++) {
    const service = `Bench.s${b % SERVICES}`;
    const items: StatItem[] = [];
    for (let i = 0; i < ITEMS_PER_BATCH && published < REPORTS; i++, published++) {
      items.push([`attr_${i % ATTRS}`, minute - (i % 60), StatKind.sum, 1, 1]);
    }
    const batch: StatsBatch = { v: 1, service, host: `h${b % HOSTS}`, instance: 'bench', sentAt: Date.now(), dropped: 0, items };
    pending.push(js.publish(MonitorSubjects.stats(service), JSON.stringify(batch)));
    if (pending.length >= 64) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);

  const config = loadMonitorConfig({
    ...(await nats.envFor(NatsRole.monitor)),
    MSEC_DATA_DIR: dataDir,
    MSEC_MONITOR_SNAPSHOT_MS: '3600000',
  });
  const store = new SeriesStore(8);
  const ingest = new StatsIngest(nc, store, config);
  const target = REPORTS + 1;
  const monitorRun = await measured(async () => {
    await ingest.start();
    while (store.counters.items < target) await new Promise((r) => setTimeout(r, 5));
  });
  const snapshotRun = await measured(async () => {
    ingest.snapshotIfDirty();
  });
  await ingest.stop();
  emit({
    scenario: 'ingest',
    reports: REPORTS,
    sdkAddPerSecond: Math.round(REPORTS / (sdkRun.wallMs / 1000)),
    // The monitor applies batches on its one JavaScript thread, so the wall-clock rate is a one-core rate (nats-server runs beside it).
    monitorReportsPerSecond: Math.round(REPORTS / (monitorRun.wallMs / 1000)),
    monitorReportsPerMinute: Math.round((REPORTS / (monitorRun.wallMs / 1000)) * 60),
    monitorCpuMsPerMillionReports: Math.round(monitorRun.cpuMs / (REPORTS / 1_000_000)),
    series: store.seriesCount(),
    snapshotMs: Math.round(snapshotRun.wallMs),
    ...environment(),
  });
} finally {
  await nc.close();
  await nats.dispose();
  rmSync(dataDir, { recursive: true, force: true });
}
