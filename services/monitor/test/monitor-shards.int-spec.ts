import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { type NatsConnection } from '@nats-io/transport-node';
import { Component, MonitorSubjects, Subjects, monitorShardOf, type TotalsReply, NatsRole } from '@msec/contracts';
import { MsecRpcErrorFilter, natsRequest, natsConnectionOptions } from '@msec/platform';
import { startNats, type NatsTestServer } from '@msec/testing';
import { loadMonitorConfig } from '../src/config/monitor.config.js';
import { MonitorModule } from '../src/monitor.module.js';
import { SeriesStore } from '../src/series/series-store.js';
import { eventually, freshDataDir } from './support/monitor-harness.js';
import { MonitorReporter } from './support/sdk-monitor.js';

/** The first `Shard.sN` service name that lands on the given shard of two. */
function serviceOnShard(shard: number): string {
  for (let i = 0; ; i++) if (monitorShardOf(`Shard.s${i}`, 2) === shard) return `Shard.s${i}`;
}

describe('monitor shards', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  const apps: INestMicroservice[] = [];
  const dirs: string[] = [];

  before(async () => {
    nats = await startNats();
    nc = await nats.connect();
    for (const shard of [0, 1]) {
      const dir = freshDataDir();
      dirs.push(dir);
      const config = loadMonitorConfig({
        ...(await nats.envFor(NatsRole.monitor)),
        MSEC_DATA_DIR: dir,
        MSEC_MONITOR_SHARDS: '2',
        MSEC_MONITOR_SHARD: String(shard),
        MSEC_MONITOR_ALARM_INTERVAL_MS: '0',
      });
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(MonitorModule.forConfig(config), {
        transport: Transport.NATS,
        options: { ...natsConnectionOptions(config), queue: 'msec-monitor' },
        logger: ['error'],
      });
      app.useGlobalFilters(new MsecRpcErrorFilter());
      await app.listen();
      apps.push(app);
    }
    await eventually(() => natsRequest(nc, Subjects.health(Component.monitor), {}, 1000), 10_000, 'monitor answers');
  });

  after(async () => {
    for (const app of apps) await app.close();
    await nc?.close();
    await nats?.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('monitor shards - each service is held by one shard and any instance answers for it', async () => {
    const services = [serviceOnShard(0), serviceOnShard(1)];
    const reporters = services.map((service) => new MonitorReporter({ nc, service, host: 'h1', flushIntervalMs: 100 }));
    reporters[0]!.add('hits', 3);
    reporters[1]!.add('hits', 4);
    for (const r of reporters) await r.close();
    const day = new Date().toISOString().slice(0, 10);
    const hits = async (service: string): Promise<number | undefined> =>
      (await natsRequest<TotalsReply>(nc, MonitorSubjects.totals, { service, day })).totals.find((t) => t.attr === 'hits')?.value;
    await eventually(
      async () => ((await hits(services[0]!)) === 3 && (await hits(services[1]!)) === 4 ? true : undefined),
      5000,
      'both services',
    );
    // The queue group spreads requests over both instances: every answer must be right, forwarded or not.
    for (let i = 0; i < 10; i++) {
      assert.equal(await hits(services[0]!), 3);
      assert.equal(await hits(services[1]!), 4);
    }
    assert.deepEqual([...apps[0]!.get(SeriesStore).services.keys()], [services[0]]);
    assert.deepEqual([...apps[1]!.get(SeriesStore).services.keys()], [services[1]]);
    const listed = await natsRequest<string[]>(nc, MonitorSubjects.services, {});
    assert.deepEqual(listed, [...services].sort());
  });
});
