import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { StorageType } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { EventStore, type DomainEvent } from '@msec/bus';
import {
  LOG_COLOUR_BUCKET,
  LOG_COLOUR_KEY,
  LOG_TRACE_SAMPLING_KEY,
  LogEventSubjects,
  LogEventType,
  LogSubjects,
  NatsRole,
  type ColourRule,
  type TraceSamplingSettings,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, TEMP_DIR_PREFIX, type NatsTestServer } from '@msec/testing';
import { LOG_MIGRATIONS } from '../src/storage/log-tables.migration.js';
import { startLogService, type LogHarness } from './support.js';

/** The outcome of a request: 'ok' or its error code. */
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? String(error),
  );

/** What every SDK reads: the colouring rules and the sampling settings in the bucket. */
async function bucketOf(nc: NatsConnection): Promise<{ rules: ColourRule[]; sampling: TraceSamplingSettings }> {
  const kv = await new Kvm(nc).open(LOG_COLOUR_BUCKET);
  const rules = (await kv.get(LOG_COLOUR_KEY))?.string() ?? '[]';
  const sampling = (await kv.get(LOG_TRACE_SAMPLING_KEY))?.string() || '{"services":{}}';
  return { rules: JSON.parse(rules) as ColourRule[], sampling: JSON.parse(sampling) as TraceSamplingSettings };
}

/** What the console shows. */
async function settingsOf(nc: NatsConnection): Promise<{ rules: ColourRule[]; sampling: TraceSamplingSettings }> {
  return {
    rules: await natsRequest<ColourRule[]>(nc, LogSubjects.colourList, {}),
    sampling: await natsRequest<TraceSamplingSettings>(nc, LogSubjects.samplingGet, {}),
  };
}

async function eventsOf(nc: NatsConnection, subject: string): Promise<DomainEvent[]> {
  return (await new EventStore(nc).read(subject)).events.map((e) => e.event);
}

describe('log settings as events: two log processes, rebuild', () => {
  let nats: NatsTestServer;
  const processes: LogHarness[] = [];
  let nc: NatsConnection;
  const dataDir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}log-settings-`));

  before(async () => {
    nats = await startNats();
    // Two log processes on one database, answering the same queue group: requests land on either.
    for (let i = 0; i < 2; i++) processes.push(await startLogService(nats, '', { MSEC_DATA_DIR: dataDir }));
    nc = processes[0]!.nc;
  });
  after(async () => {
    for (const p of processes.reverse()) await p.close();
    await nats?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('log settings - sampling for eight services and six colouring rules sent at once to two log processes are all kept', async () => {
    const services = Array.from({ length: 8 }, (_, i) => `Race.svc${i}`);
    const outcomes = await Promise.all([
      ...services.map((service, i) =>
        outcome(natsRequest(nc, LogSubjects.samplingSet, { service, rate: (i + 1) / 10, maxPerSecond: i + 1 }, 15_000)),
      ),
      ...Array.from({ length: 6 }, (_, i) =>
        outcome(natsRequest(nc, LogSubjects.colourSet, { id: `race-${i}`, field: 'name', value: `v${i}` }, 15_000)),
      ),
    ]);
    assert.deepEqual(outcomes, Array(14).fill('ok'));
    const shown = await settingsOf(nc);
    assert.deepEqual(Object.keys(shown.sampling.services), services, 'no setting lost to another written at the same time');
    assert.deepEqual(
      shown.rules.map((r) => r.id),
      ['race-0', 'race-1', 'race-2', 'race-3', 'race-4', 'race-5'],
    );
    assert.deepEqual(await bucketOf(nc), shown, 'the SDKs read what the console shows');
    assert.equal((await eventsOf(nc, LogEventSubjects.sampling)).length, 8);
  });

  it('log settings - one rule deleted from both processes at once: one delete succeeds, the other is told it is gone', async () => {
    await natsRequest(nc, LogSubjects.colourSet, { id: 'twice', field: 'name', value: 'x' });
    const outcomes = await Promise.all([0, 1, 2].map(() => outcome(natsRequest(nc, LogSubjects.colourDelete, { id: 'twice' }, 15_000))));
    assert.deepEqual([...outcomes].sort(), ['LOG_COLOUR_RULE_NOT_FOUND', 'LOG_COLOUR_RULE_NOT_FOUND', 'ok']);
    const deletes = (await eventsOf(nc, LogEventSubjects.colour)).filter((e) => e.type === LogEventType.colourRuleDeleted);
    assert.equal(deletes.length, 1);
  });

  it('log settings - rebuild replays the events into tables equal to the ones replaced; the SDKs see no change', async () => {
    await natsRequest(nc, LogSubjects.samplingDelete, { service: 'Race.svc3' });
    await natsRequest(nc, LogSubjects.colourSet, { id: 'race-1', field: 'traceId', value: 'abc', expiresAt: 4102444800000 });
    const before = await settingsOf(nc);
    const result = await natsRequest<{ colourRules: number; samplingServices: number }>(nc, LogSubjects.rebuild, {}, 60_000);
    assert.deepEqual(result, { colourRules: before.rules.length, samplingServices: Object.keys(before.sampling.services).length });
    assert.deepEqual(await settingsOf(nc), before);
    assert.deepEqual(await bucketOf(nc), before);
  });
});

describe('log settings upgrade', () => {
  let nats: NatsTestServer;
  let harness: LogHarness | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}log-upgrade-`));
  const OLD_SAMPLING: TraceSamplingSettings = { services: { 'Old.svc': { rate: 0.25, maxPerSecond: 7 } } };

  before(async () => {
    nats = await startNats();
    // The previous version: colouring rules in its table, sampling only in the SDKs' bucket.
    const ds = new DataSource({
      type: 'better-sqlite3',
      database: join(dataDir, 'log.sqlite'),
      migrations: LOG_MIGRATIONS.slice(0, -1),
      migrationsRun: true,
    });
    await ds.initialize();
    await ds.query('INSERT INTO log_colour_rule (id, field, value, expires_at, created_at) VALUES (?, ?, ?, ?, ?)', [
      'old-rule',
      'name',
      'bison',
      null,
      1764000000000,
    ]);
    await ds.destroy();
    const logNc = await nats.connectAs(NatsRole.log);
    const kv = await new Kvm(logNc).create(LOG_COLOUR_BUCKET, { history: 1, storage: StorageType.File });
    await kv.put(LOG_TRACE_SAMPLING_KEY, JSON.stringify(OLD_SAMPLING));
    await logNc.close();
  });
  after(async () => {
    await harness?.close();
    await nats?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("log settings - a previous version's rules and sampling are kept and carried into the event stream once", async () => {
    harness = await startLogService(nats, '', { MSEC_DATA_DIR: dataDir });
    const expected = { rules: [{ id: 'old-rule', field: 'name', value: 'bison' }], sampling: OLD_SAMPLING };
    assert.deepEqual(await settingsOf(harness.nc), expected);
    assert.deepEqual(await bucketOf(harness.nc), expected);
    const imported = async (): Promise<number> =>
      (await eventsOf(harness!.nc, LogEventSubjects.colour)).length + (await eventsOf(harness!.nc, LogEventSubjects.sampling)).length;
    assert.equal(await imported(), 2);
    await natsRequest(harness.nc, LogSubjects.rebuild, {}, 60_000);
    assert.deepEqual(await settingsOf(harness.nc), expected);
    // A restart imports nothing again.
    await harness.close();
    harness = await startLogService(nats, '', { MSEC_DATA_DIR: dataDir });
    assert.equal(await imported(), 2);
    assert.deepEqual(await settingsOf(harness.nc), expected);
  });
});
