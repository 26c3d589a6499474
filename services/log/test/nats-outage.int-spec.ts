import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNats, type InfraServer } from '@msec/testing';
import { createLogger } from './sdk-log.js';
import { connectClient, searchAll, waitFor, type LogHarness, startLogService } from './support.js';

describe('log delivery across a NATS outage', () => {
  let nats: InfraServer;
  let harness: LogHarness;

  before(async () => {
    nats = await startNats();
    harness = await startLogService(nats.url);
  });
  after(async () => {
    await harness?.close();
    await nats?.dispose();
  });

  it('delivery - stop NATS while logging, restart it: every line arrives, none twice', async () => {
    const nc = await connectClient(nats.url);
    const logger = createLogger({
      nc,
      service: 'Outage.mod_test',
      level: 'INFO',
      spoolDir: harness.dataDir,
      watchColourRules: false,
      flushIntervalMs: 50,
    });
    after(async () => {
      await logger.close();
      await nc.close();
    });
    let sent = 0;
    const logFor = async (ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        for (let i = 0; i < 20; i++) logger.info('tick', { seq: sent++ });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };

    await logFor(1000);
    await nats.stop();
    await logFor(2000);
    const spooledWhileDown = (await logger.stats()).spooled;
    await nats.start();
    await logFor(1000);
    await logger.flush();

    const lines = await waitFor(
      'every line to be stored',
      async () => {
        await logger.flush();
        const stored = await searchAll(harness.nc, { service: 'Outage.mod_test' });
        return stored.length >= sent ? stored : undefined;
      },
      40_000,
    );
    const seqs = lines.map((l) => Number(l.fields.seq));
    assert.equal(lines.length, sent, 'no line stored twice');
    assert.equal(new Set(seqs).size, sent, 'every line arrived');
    assert.equal(Math.min(...seqs), 0);
    assert.equal(Math.max(...seqs), sent - 1);
    assert.ok(spooledWhileDown > 0, 'lines logged while NATS was down went through the spool');
    const stats = await logger.stats();
    assert.equal(stats.dropped, 0);
    assert.equal(stats.spoolBytes, 0, 'the spool is empty once re-sent');
  });
});
