import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { EventStore, createEvent, type DomainEvent } from '@msec/bus';
import { MonitorEventSubjects, MonitorEventType, MonitorSubjects, NatsRole, type AlarmRuleView, type AlarmView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, type NatsTestServer } from '@msec/testing';
import { MONITOR_MIGRATIONS } from '../src/alarms/monitor.migrations.js';
import { eventually, freshDataDir, startMonitorInProcess } from './support/monitor-harness.js';

const ENV = {
  MSEC_MONITOR_ALARM_INTERVAL_MS: '0',
  MSEC_MONITOR_WEBHOOK_ALLOW_INTERNAL: 'true',
  MSEC_MONITOR_ALARM_GRACE_MS: '0',
};
/** The outcome of a request: 'ok' or its error code. */
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? String(error),
  );

/** What the console shows of the monitor's state: every rule and every alarm. */
async function readModels(nc: NatsConnection): Promise<{ rules: AlarmRuleView[]; alarms: AlarmView[] }> {
  const rules = await natsRequest<AlarmRuleView[]>(nc, MonitorSubjects.rulesList, {});
  const alarms = await natsRequest<AlarmView[]>(nc, MonitorSubjects.alarmsList, { state: 'all', limit: 5000 });
  return { rules, alarms: [...alarms].sort((a, b) => a.id.localeCompare(b.id)) };
}

async function eventsOf(nc: NatsConnection, subject: string): Promise<DomainEvent[]> {
  return (await new EventStore(nc).read(subject)).events.map((e) => e.event);
}

describe('monitor state as events: two processes, rebuild', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let dataDir: string;
  const apps: INestMicroservice[] = [];

  before(async () => {
    nats = await startNats();
    nc = await nats.connect();
    dataDir = freshDataDir();
    // Two monitor processes on one database, answering the same queue group: requests land on either.
    for (let i = 0; i < 2; i++) apps.push(await startMonitorInProcess(nc, nats, { ...ENV, MSEC_DATA_DIR: dataDir }));
  });

  after(async () => {
    for (const app of apps) await app.close();
    await nc?.close();
    await nats?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('monitor - changes of one rule sent to two monitors at once are all kept: none overwrites another', async () => {
    const service = 'Race.rules';
    const rule = await natsRequest<AlarmRuleView>(nc, MonitorSubjects.rulesCreate, {
      service,
      attr: 'latency_ms',
      type: 'max',
      threshold: 10,
    });
    const thresholds = [11, 12, 13, 14, 15, 16];
    const hosts = ['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6'];
    const outcomes = await Promise.all([
      ...thresholds.map((threshold) => outcome(natsRequest(nc, MonitorSubjects.rulesUpdate, { id: rule.id, threshold }, 15_000))),
      ...hosts.map((host) => outcome(natsRequest(nc, MonitorSubjects.rulesUpdate, { id: rule.id, host }, 15_000))),
    ]);
    assert.deepEqual(outcomes, Array(12).fill('ok'));
    const [stored] = await natsRequest<AlarmRuleView[]>(nc, MonitorSubjects.rulesList, { service });
    // Each update changed one field on the rule as it then stood, so both kinds survive whatever the order.
    assert.ok(thresholds.includes(stored!.threshold), `threshold ${stored!.threshold} is one of the updates, not lost`);
    assert.ok(hosts.includes(stored!.host ?? ''), `host ${stored!.host} is one of the updates, not lost`);
    const events = await eventsOf(nc, MonitorEventSubjects.rule(service));
    assert.equal(events.filter((e) => e.type === MonitorEventType.alarmRuleUpdated).length, 12);
    const last = events.at(-1)!.payload as { threshold: number; host: string };
    assert.deepEqual([last.threshold, last.host], [stored!.threshold, stored!.host], 'the table is the last event');
  });

  it('monitor - a delete racing updates on two monitors: the rule is gone, later updates are refused, nothing revives it', async () => {
    const service = 'Race.delete';
    const rule = await natsRequest<AlarmRuleView>(nc, MonitorSubjects.rulesCreate, { service, attr: 'errors', type: 'max', threshold: 1 });
    const outcomes = await Promise.all([
      ...[2, 3, 4].map((threshold) => outcome(natsRequest(nc, MonitorSubjects.rulesUpdate, { id: rule.id, threshold }, 15_000))),
      outcome(natsRequest(nc, MonitorSubjects.rulesDelete, { id: rule.id }, 15_000)),
      ...[5, 6, 7].map((threshold) => outcome(natsRequest(nc, MonitorSubjects.rulesUpdate, { id: rule.id, threshold }, 15_000))),
    ]);
    assert.equal(outcomes[3], 'ok', 'the delete succeeds');
    assert.ok(
      outcomes.every((o) => o === 'ok' || o === 'MONITOR_RULE_NOT_FOUND'),
      outcomes.join(', '),
    );
    assert.deepEqual(await natsRequest<AlarmRuleView[]>(nc, MonitorSubjects.rulesList, { service }), []);
    const types = (await eventsOf(nc, MonitorEventSubjects.rule(service))).map((e) => e.type);
    assert.equal(types.at(-1), MonitorEventType.alarmRuleDeleted, `nothing after the delete: ${types.join(', ')}`);
    assert.equal(types.filter((t) => t === MonitorEventType.alarmRuleUpdated).length, outcomes.filter((o) => o === 'ok').length - 1);
  });

  it('monitor - a service keeps its rules: moving a rule to another service is refused naming the field', async () => {
    const rule = await natsRequest<AlarmRuleView>(nc, MonitorSubjects.rulesCreate, {
      service: 'Keep.one',
      attr: 'x',
      type: 'min',
      threshold: 1,
    });
    await assert.rejects(
      natsRequest(nc, MonitorSubjects.rulesUpdate, { id: rule.id, service: 'Keep.other' }),
      (e: Error & { data?: { field?: string } }) => {
        assert.equal(e.data?.field, 'service');
        return true;
      },
    );
  });

  it('monitor - rebuild replays the events into read models equal to the ones replaced, webhook URLs included', async () => {
    const service = 'Rebuild.demo';
    const hook = 'http://127.0.0.1:9/alarm-hook?token=secret-1';
    const kept = await natsRequest<AlarmRuleView>(nc, MonitorSubjects.rulesCreate, {
      service,
      attr: 'a',
      type: 'max',
      threshold: 5,
      webhookUrl: hook,
    });
    await natsRequest(nc, MonitorSubjects.rulesUpdate, { id: kept.id, enabled: false });
    await natsRequest(nc, MonitorSubjects.rulesUpdate, { id: kept.id, enabled: true, threshold: 6 });
    const gone = await natsRequest<AlarmRuleView>(nc, MonitorSubjects.rulesCreate, { service, attr: 'b', type: 'nodata', threshold: 3 });
    await natsRequest(nc, MonitorSubjects.rulesDelete, { id: gone.id });
    const before = await readModels(nc);
    assert.equal(before.rules.find((r) => r.id === kept.id)?.webhookUrl, hook);
    assert.ok(!JSON.stringify(await eventsOf(nc, MonitorEventSubjects.rule(service))).includes('secret-1'), 'the URL is not in the events');

    const result = await natsRequest<{ alarmRules: number; alarms: number }>(nc, MonitorSubjects.rebuild, {}, 60_000);
    assert.equal(result.alarmRules, before.rules.length);
    assert.deepEqual(await readModels(nc), before);
  });
});

describe('monitor upgrade', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let dataDir: string;
  let app: INestMicroservice | undefined;
  const HOOK = 'https://hooks.example.com/services/T000/B000/XXXX';
  const RULES = [
    [
      '0a6d2c4e-1111-4e8a-9d5b-6f1e2a3b4c5d',
      'Old.svc',
      'latency_ms',
      'max',
      250,
      null,
      HOOK,
      1,
      '2026-11-01T08:00:00.000Z',
      '2026-11-02T09:00:00.000Z',
    ],
    [
      '1b7e3d5f-2222-4e8a-9d5b-6f1e2a3b4c5d',
      'Old.svc',
      'errors',
      'max',
      3,
      '10.0.0.7',
      null,
      0,
      '2026-11-03T08:00:00.000Z',
      '2026-11-03T08:00:00.000Z',
    ],
  ] as const;
  const ALARMS = [
    [
      '2c8f4e6a-3333-4e8a-9d5b-6f1e2a3b4c5d',
      RULES[0][0],
      'Old.svc',
      'latency_ms',
      null,
      'max',
      250,
      'active',
      400,
      'Old.svc latency_ms = 400, above max 250',
      '2026-12-01T10:00:00.000Z',
      '2026-12-01T10:02:00.000Z',
      29412962,
      3,
      null,
    ],
    [
      '3d9a5f7b-4444-4e8a-9d5b-6f1e2a3b4c5d',
      RULES[0][0],
      'Old.svc',
      'latency_ms',
      null,
      'max',
      250,
      'recovered',
      100,
      'Old.svc latency_ms = 300, above max 250',
      '2026-11-20T10:00:00.000Z',
      '2026-11-20T10:05:00.000Z',
      29394965,
      5,
      '2026-11-20T10:05:00.000Z',
    ],
  ] as const;

  /** A monitor database as the previous version left it (its one migration, its rows), and the v1 events it appended. */
  async function writePreviousVersion(): Promise<void> {
    const ds = new DataSource({
      type: 'better-sqlite3',
      database: join(dataDir, 'monitor.sqlite'),
      migrations: MONITOR_MIGRATIONS.slice(0, 1),
      migrationsRun: true,
    });
    await ds.initialize();
    for (const r of RULES)
      await ds.query(
        'INSERT INTO monitor_alarm_rules (id, service, attr, type, threshold, host, webhook_url, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [...r],
      );
    for (const a of ALARMS)
      await ds.query(
        `INSERT INTO monitor_alarms (id, rule_id, service, attr, host, type, threshold, state, value, message, first_at, last_at, last_minute, count, recovered_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [...a],
      );
    await ds.destroy();
    // The previous monitor appended these under its own identity.
    const monitorNc = await nats.connectAs(NatsRole.monitor);
    const store = new EventStore(monitorNc);
    await store.init();
    for (const [id, service, attr, type, threshold, host, webhookUrl, enabled] of RULES)
      await store.append(
        MonitorEventSubjects.rule(service),
        createEvent(MonitorEventType.alarmRuleCreated, id, {
          id,
          service,
          attr,
          type,
          threshold,
          host,
          enabled: enabled === 1,
          hasWebhook: webhookUrl !== null,
        }),
      );
    await store.append(
      MonitorEventSubjects.alarm('Old.svc'),
      createEvent(MonitorEventType.alarmFired, 'Old.svc', {
        alarmId: ALARMS[0][0],
        ruleId: RULES[0][0],
        service: 'Old.svc',
        attr: 'latency_ms',
        host: null,
        type: 'max',
        threshold: 250,
        value: 300,
        message: 'x',
        at: ALARMS[0][10],
      }),
    );
    await monitorNc.close();
  }

  before(async () => {
    nats = await startNats();
    nc = await nats.connect();
    dataDir = freshDataDir();
    await writePreviousVersion();
  });

  after(async () => {
    await app?.close();
    await nc?.close();
    await nats?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('monitor - a database of the previous version keeps every rule (webhook included) and alarm, imported once as events', async () => {
    app = await startMonitorInProcess(nc, nats, { ...ENV, MSEC_DATA_DIR: dataDir });
    const { rules, alarms } = await readModels(nc);
    assert.deepEqual(
      rules.map((r) => [r.id, r.service, r.attr, r.type, r.threshold, r.host, r.webhookUrl, r.enabled ? 1 : 0, r.createdAt, r.updatedAt]),
      // Listed by attribute: errors, then latency_ms.
      [RULES[1], RULES[0]].map((r) => [...r]),
    );
    assert.deepEqual(
      alarms.map((a) => [
        a.id,
        a.ruleId,
        a.service,
        a.attr,
        a.host,
        a.type,
        a.threshold,
        a.state,
        a.value,
        a.message,
        a.firstAt,
        a.lastAt,
        a.count,
        a.recoveredAt,
      ]),
      ALARMS.map((a) => [...a.slice(0, 12), a[13], a[14]]),
    );
    const imported = async (): Promise<number> =>
      [
        ...(await eventsOf(nc, MonitorEventSubjects.rule('Old.svc'))),
        ...(await eventsOf(nc, MonitorEventSubjects.alarm('Old.svc'))),
      ].filter((e) => e.type === MonitorEventType.alarmRuleImported || e.type === MonitorEventType.alarmImported).length;
    assert.equal(await imported(), 4);

    // A restart imports nothing again; a rebuild from the events gives the same tables.
    await app.close();
    app = await startMonitorInProcess(nc, nats, { ...ENV, MSEC_DATA_DIR: dataDir });
    assert.equal(await imported(), 4);
    await natsRequest(nc, MonitorSubjects.rebuild, {}, 60_000);
    assert.deepEqual(await readModels(nc), { rules, alarms });
    // And the held alarm goes on from where it was.
    const updated = await natsRequest<AlarmRuleView>(nc, MonitorSubjects.rulesUpdate, { id: RULES[0][0], threshold: 260 });
    assert.equal(updated.webhookUrl, HOOK);
    await eventually(
      async () => ((await readModels(nc)).rules.find((r) => r.id === RULES[0][0])?.threshold === 260 ? true : undefined),
      5000,
      'update listed',
    );
  });
});
