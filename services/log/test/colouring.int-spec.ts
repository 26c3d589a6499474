import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import { LogSubjects, type ColourRule } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, type NatsTestServer } from '@msec/testing';
import { createLogger, newSpanId, newTraceId, type MsecLogger } from './sdk-log.js';
import { connectClient, searchAll, waitFor, type LogHarness, startLogService } from './support.js';

/**
 * Two modules as the flight demo has them, with the RPC hop simulated: the flight module decides the colour with
 * matchesColourRule on the incoming request, and the user module receives the flag as the RPC head would carry it.
 */
async function handleQuery(flight: MsecLogger, user: MsecLogger, name: string): Promise<string> {
  const traceId = newTraceId();
  const fields = { name, rpc: 'Flight.Query' };
  const colour = flight.matchesColourRule(fields) !== undefined;
  const flightLog = flight.forRequest({ traceId, spanId: newSpanId(), colour, fields });
  flightLog.debug('query received', { from: 'SZX', to: 'PEK' });
  flightLog.info('checking the user');
  // The RPC runtime copies `colour` into the head; the callee binds it to its request logger.
  const userLog = user.forRequest({ traceId, spanId: newSpanId(), colour, fields: { rpc: 'User.CheckPassword' } });
  userLog.debug('password hash compared');
  userLog.info('password ok');
  flightLog.info('3 flights found');
  return traceId;
}

describe('log colouring', () => {
  let nats: NatsTestServer;
  let harness: LogHarness;
  let nc: NatsConnection;
  let flight: MsecLogger;
  let user: MsecLogger;

  before(async () => {
    nats = await startNats();
    harness = await startLogService(nats);
    nc = await connectClient(nats);
    flight = createLogger({ nc, service: 'Flight.mod_flight', level: 'INFO', spoolDir: harness.dataDir });
    user = createLogger({ nc, service: 'User.mod_user', level: 'INFO', spoolDir: harness.dataDir });
  });
  after(async () => {
    await flight?.close();
    await user?.close();
    await nc?.close();
    await harness?.close();
    await nats?.dispose();
  });

  it('colouring - a rule set on the log service reaches every SDK within seconds', async () => {
    const rules = await natsRequest<ColourRule[]>(harness.nc, LogSubjects.colourSet, { id: 'user-bison', field: 'name', value: 'bison' });
    assert.deepEqual(rules, [{ id: 'user-bison', field: 'name', value: 'bison' }]);
    for (const logger of [flight, user]) await waitFor('the rule to reach the SDK', () => logger.colourRules.rules.length === 1, 5000);
    assert.equal(flight.matchesColourRule({ name: 'bison' })?.id, 'user-bison');
    assert.equal(flight.matchesColourRule({ name: 'ant' }), undefined);
  });

  it('colouring - a coloured request logs DEBUG in both modules under one trace; an ordinary one does not', async () => {
    const coloured = await handleQuery(flight, user, 'bison');
    const ordinary = await handleQuery(flight, user, 'ant');
    await flight.flush();
    await user.flush();
    const colouredLines = await waitFor('the coloured lines', async () => {
      const lines = await searchAll(harness.nc, { traceId: coloured });
      return lines.length === 5 ? lines : undefined;
    });
    const ordinaryLines = await waitFor('the ordinary lines', async () => {
      const lines = await searchAll(harness.nc, { traceId: ordinary });
      return lines.length === 3 ? lines : undefined;
    });
    const debugServices = colouredLines.filter((l) => l.level === 'DEBUG').map((l) => l.service);
    assert.deepEqual(debugServices.sort(), ['Flight.mod_flight', 'User.mod_user']);
    assert.deepEqual(
      ordinaryLines.filter((l) => l.level === 'DEBUG'),
      [],
    );
    assert.equal((await searchAll(harness.nc, { levels: ['DEBUG'], fields: [{ name: 'name', value: 'bison' }] })).length, 1);
  });

  it('colouring - a line whose own fields match a rule is written whatever its level', async () => {
    flight.debug('cache refreshed for a user', { name: 'bison', marker: 'own-fields' });
    flight.debug('cache refreshed for another user', { name: 'ant', marker: 'own-fields' });
    await flight.flush();
    const lines = await waitFor('the matching line', async () => {
      const found = await searchAll(harness.nc, { fields: [{ name: 'marker', value: 'own-fields' }] });
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(
      lines.map((l) => l.fields.name),
      ['bison'],
    );
  });

  it('colouring - deleting the rule stops colouring in every SDK', async () => {
    assert.deepEqual(await natsRequest<ColourRule[]>(harness.nc, LogSubjects.colourDelete, { id: 'user-bison' }), []);
    for (const logger of [flight, user]) await waitFor('the rule to be removed', () => logger.colourRules.rules.length === 0, 5000);
    assert.equal(flight.forRequest({ fields: { name: 'bison' } }).coloured, false);
    await assert.rejects(natsRequest(harness.nc, LogSubjects.colourDelete, { id: 'user-bison' }), { code: 'LOG_COLOUR_RULE_NOT_FOUND' });
    await assert.rejects(natsRequest(harness.nc, LogSubjects.colourSet, { id: 'bad id', field: 'name', value: 'x' }), {
      code: 'VALIDATION_FAILED',
    });
  });
});
