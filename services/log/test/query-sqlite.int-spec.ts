import { after, before, describe } from 'node:test';
import type { LogLine } from '@msec/contracts';
import { startNats, type NatsTestServer } from '@msec/testing';
import { dataset, loadDataset, queryCases } from './query-cases.js';
import { startLogService, type LogHarness } from './support.js';

describe('log queries on SQLite', () => {
  let nats: NatsTestServer;
  const ctx: { harness?: LogHarness; lines?: LogLine[] } = {};

  before(async () => {
    nats = await startNats();
    ctx.harness = await startLogService(nats);
    ctx.lines = dataset(Date.now() - 3600_000, 'sq');
    await loadDataset(ctx.harness, ctx.lines);
  });
  after(async () => {
    await ctx.harness?.close();
    await nats?.dispose();
  });

  queryCases('SQLite', ctx);
});
