import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNats, type NatsTestServer } from '@msec/testing';
import { createLogger } from './sdk-log.js';
import { connectClient, searchAll, waitFor, type LogHarness, startLogService } from './support.js';

describe('log line budget of a service that logs on every call', () => {
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

  it('line budget - plain lines beyond the allowance are suppressed and counted; traced, coloured and WARN lines all arrive', async () => {
    const nc = await connectClient(nats);
    const logger = createLogger({
      nc,
      service: 'Budget.mod_test',
      spoolDir: harness.dataDir,
      watchColourRules: false,
      flushIntervalMs: 50,
      maxLinesPerSecond: 100,
    });
    after(async () => {
      await logger.close();
      await nc.close();
    });
    const traced = logger.forRequest({ traceId: 'b'.repeat(32), traced: true, fields: { rpc: 'budget.Echo' } });
    const coloured = logger.forRequest({ colour: true, fields: { rpc: 'budget.Echo' } });
    // All within well under a second: at most two one-second windows are touched.
    for (let i = 0; i < 500; i++) logger.info('plain', { seq: i });
    for (let i = 0; i < 50; i++) traced.info('traced', { seq: i });
    for (let i = 0; i < 30; i++) coloured.debug('coloured', { seq: i });
    for (let i = 0; i < 20; i++) logger.warn('warn', { seq: i });
    const { suppressed, dropped } = logger.takeLosses();
    await logger.flush();

    const shipped = 500 - suppressed;
    const stored = await waitFor(
      'the shipped lines to be stored',
      async () => {
        const lines = await searchAll(harness.nc, { service: 'Budget.mod_test' });
        return lines.length >= shipped + 100 ? lines : undefined;
      },
      20_000,
    );
    const count = (message: string): number => stored.filter((l) => l.message === message).length;
    assert.ok(shipped >= 100 && shipped <= 200, `100 plain lines a second were shipped (${shipped} in at most two seconds)`);
    assert.equal(count('plain'), shipped, 'every plain line not counted as suppressed is stored');
    assert.equal(count('traced'), 50, 'lines of a traced request are never suppressed');
    assert.equal(count('coloured'), 30, 'lines of a coloured request are never suppressed');
    assert.equal(count('warn'), 20, 'WARN lines have their own allowance');
    assert.equal(dropped, 0);
    assert.deepEqual(logger.takeLosses(), { suppressed: 0, dropped: 0 }, 'losses are reported once');
  });
});
