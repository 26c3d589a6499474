import { after, before, describe } from 'node:test';
import type { LogLine } from '@msec/contracts';
import { createConnection } from 'mysql2/promise';
import { startMariaDb, startNats, type InfraServer, type NatsTestServer } from '@msec/testing';
import { dataset, loadDataset, queryCases } from './query-cases.js';
import { startLogService, type LogHarness } from './support.js';

describe('log queries on MariaDB', () => {
  let nats: NatsTestServer;
  let mariadb: InfraServer;
  const ctx: { harness?: LogHarness; lines?: LogLine[] } = {};

  before(async () => {
    [nats, mariadb] = await Promise.all([startNats(), startMariaDb()]);
    // An old-style latin1 database: messages must still keep Chinese and emoji (the log tables store them as utf8mb4).
    const admin = await createConnection(mariadb.url);
    await admin.query('ALTER DATABASE msec CHARACTER SET latin1 COLLATE latin1_swedish_ci');
    await admin.end();
    ctx.harness = await startLogService(nats, mariadb.url);
    ctx.lines = dataset(Date.now() - 3600_000, 'my');
    await loadDataset(ctx.harness, ctx.lines);
  });
  after(async () => {
    await ctx.harness?.close();
    await Promise.all([nats?.dispose(), mariadb?.dispose()]);
  });

  queryCases('MariaDB', ctx);
});
