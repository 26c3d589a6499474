// Day-curve query latency with 10,000 live series (100 services × 10 attributes × 10 hosts, today and yesterday filled).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { MonitorSubjects, StatKind, type CurveReply, type StatItem, NatsRole } from '@msec/contracts';
import { natsRequest, natsConnectionOptions } from '@msec/platform';
import { MonitorModule, MonitorQueries, SeriesStore, loadMonitorConfig } from '@msec/service-monitor';
import { startNats } from '@msec/testing';
import { emit, environment, percentile } from './stats.js';

const SERVICES = 100;
const ATTRS = 10;
const HOSTS = 10;
const QUERIES = Number(process.env.BENCH_QUERIES ?? 500);

const nats = await startNats();
const nc = await nats.connect();
const dataDir = mkdtempSync(join(tmpdir(), 'msec-test-monitor-bench-'));
const config = loadMonitorConfig({
  ...(await nats.envFor(NatsRole.monitor)),
  MSEC_DATA_DIR: dataDir,
  MSEC_MONITOR_SNAPSHOT_MS: '3600000',
  MSEC_MONITOR_ALARM_INTERVAL_MS: '0',
});
const app = await NestFactory.createMicroservice<MicroserviceOptions>(MonitorModule.forConfig(config), {
  transport: Transport.NATS,
  options: { ...natsConnectionOptions(config), queue: 'msec-monitor' },
  logger: ['error'],
});
await app.listen();
try {
  const store = app.get(SeriesStore);
  const queries = app.get(MonitorQueries);
  const now = Math.floor(Date.now() / 60_000);
  const firstMinute = (Math.floor(now / 1440) - 1) * 1440;
  const fillStart = performance.now();
  for (let s = 0; s < SERVICES; s++) {
    for (let h = 0; h < HOSTS; h++) {
      const items: StatItem[] = [];
      for (let a = 0; a < ATTRS; a++) for (let m = firstMinute; m <= now; m++) items.push([`attr_${a}`, m, StatKind.sum, (m % 97) + a, 1]);
      store.applyBatch({
        v: 1,
        service: `Bench.s${s}`,
        host: `10.0.${s}.${h}`,
        instance: 'bench',
        sentAt: Date.now(),
        dropped: 0,
        items,
      });
    }
  }
  const fillMs = performance.now() - fillStart;
  const pick = (i: number): { service: string; attr: string } => ({
    service: `Bench.s${(i * 37) % SERVICES}`,
    attr: `attr_${(i * 7) % ATTRS}`,
  });

  const local: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    queries.curve({ ...pick(i), compare: ['yesterday', 'weekAgo'] });
    local.push(performance.now() - t);
  }
  const overNats: number[] = [];
  const hostOverNats: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    let t = performance.now();
    const reply = await natsRequest<CurveReply>(nc, MonitorSubjects.curve, { ...pick(i), compare: ['yesterday', 'weekAgo'] });
    overNats.push(performance.now() - t);
    if (reply.values.length !== 1440) throw new Error('bad curve');
    t = performance.now();
    await natsRequest<CurveReply>(nc, MonitorSubjects.curve, { ...pick(i), host: `10.0.${(i * 37) % SERVICES}.${i % HOSTS}` });
    hostOverNats.push(performance.now() - t);
  }
  emit({
    scenario: 'query',
    liveSeries: store.seriesCount(),
    fillMs: Math.round(fillMs),
    queries: QUERIES,
    curveInProcessP50Ms: +percentile(local, 50).toFixed(3),
    curveInProcessP99Ms: +percentile(local, 99).toFixed(3),
    curveOverNatsP50Ms: +percentile(overNats, 50).toFixed(2),
    curveOverNatsP99Ms: +percentile(overNats, 99).toFixed(2),
    hostCurveOverNatsP50Ms: +percentile(hostOverNats, 50).toFixed(2),
    hostCurveOverNatsP99Ms: +percentile(hostOverNats, 99).toFixed(2),
    ...environment(),
  });
} finally {
  await app.close();
  await nc.close();
  await nats.dispose();
  rmSync(dataDir, { recursive: true, force: true });
}
