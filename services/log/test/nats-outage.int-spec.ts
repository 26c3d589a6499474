import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { LogSubjects, type LogLine } from '@msec/contracts';
import { startNats, type NatsTestServer } from '@msec/testing';
import { createLogger, newLineId } from './sdk-log.js';
import { connectClient, searchAll, waitFor, type LogHarness, startLogService } from './support.js';

describe('log delivery across a NATS outage', () => {
  let nats: NatsTestServer;
  let harness: LogHarness;

  before(async () => {
    nats = await startNats();
    harness = await startLogService(nats);
  });
  after(async () => {
    await harness?.close();
    await nats?.dispose();
  });

  it('delivery - stop NATS while logging, restart it: every line arrives, none twice', async () => {
    const nc = await connectClient(nats);
    const logger = createLogger({
      nc,
      service: 'Outage.mod_test',
      level: 'INFO',
      spoolDir: harness.dataDir,
      watchColourRules: false,
      flushIntervalMs: 50,
      // About 2,000 lines a second: over the default line budget, and every one must arrive here.
      maxLinesPerSecond: 0,
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

  it('delivery - one-line messages of older SDKs and repeated batch messages are stored once each', async () => {
    const nc = await connectClient(nats);
    after(() => nc.close());
    const js = jetstream(nc);
    const now = Date.now();
    const make = (i: number): LogLine => ({
      id: newLineId(now + i),
      ts: now + i,
      level: 'INFO',
      service: 'Wire.mod_test',
      host: 'h1',
      instance: 'h1:1',
      message: `wire ${i}`,
      fields: { seq: i },
    });
    const lines = Array.from({ length: 30 }, (_, i) => make(i));
    // Older SDKs: one JSON object per message, Nats-Msg-Id = line id.
    for (const line of lines.slice(0, 10)) await js.publish(LogSubjects.ingestLines, JSON.stringify(line), { msgID: line.id });
    // Current SDK: a JSON array per message; the same lines again under another message id are skipped by the service.
    await js.publish(LogSubjects.ingestLines, JSON.stringify(lines.slice(5, 30)), { msgID: 'batch-a' });
    await js.publish(LogSubjects.ingestLines, JSON.stringify(lines.slice(0, 30)), { msgID: 'batch-b' });
    // Malformed records are skipped, not stored, and do not stall the stream.
    await js.publish(LogSubjects.ingestLines, JSON.stringify([{ id: 'x' }, 42]), { msgID: 'batch-bad' });
    await js.publish(LogSubjects.ingestLines, 'not json', { msgID: 'not-json' });
    const stored = await waitFor(
      'every wire-format line to be stored',
      async () => {
        const found = await searchAll(harness.nc, { service: 'Wire.mod_test' });
        return found.length >= 30 ? found : undefined;
      },
      20_000,
    );
    assert.equal(stored.length, 30, 'no line stored twice');
    assert.deepEqual(
      stored.map((l) => l.message),
      lines.map((l) => l.message).reverse(),
    );
  });
});
