import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestMicroservice } from '@nestjs/common';
import { type NatsConnection } from '@nats-io/transport-node';
import { EventSubscriber, type DomainEvent } from '@msec/bus';
import { EventStreams, MonitorSubjects, type AlarmEvent, type AlarmRuleView, type AlarmView, type TotalsReply } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, type NatsTestServer } from '@msec/testing';
import { eventually, freshDataDir, startMonitorInProcess } from './support/monitor-harness.js';
import { MonitorReporter } from './support/sdk-monitor.js';

const SERVICE = 'Alarm.demo';

describe('monitor alarms', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let app: INestMicroservice;
  let dataDir: string;
  let hookServer: Server;
  const hookBodies: AlarmEvent[] = [];

  before(async () => {
    nats = await startNats();
    nc = await nats.connect();
    dataDir = freshDataDir();
    app = await startMonitorInProcess(nc, nats, {
      MSEC_DATA_DIR: dataDir,
      MSEC_MONITOR_ALARM_INTERVAL_MS: '0',
      // The test's webhook receiver listens on loopback.
      MSEC_MONITOR_WEBHOOK_ALLOW_INTERNAL: 'true',
      MSEC_MONITOR_ALARM_GRACE_MS: '0',
    });
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hookBodies.push(JSON.parse(body) as AlarmEvent);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    await app?.close();
    await nc?.close();
    await nats?.dispose();
    await new Promise((r) => hookServer?.close(r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('monitor - bad rule input is refused with an error naming the field', async () => {
    const bad = async (input: Record<string, unknown>, field: string): Promise<void> => {
      await assert.rejects(
        natsRequest(nc, MonitorSubjects.rulesCreate, input),
        (e: Error & { code?: string; data?: { field?: string } }) => {
          assert.equal(e.code, 'VALIDATION_FAILED');
          assert.equal(e.data?.field, field, e.message);
          return true;
        },
      );
    };
    await bad({ attr: 'x', type: 'max', threshold: 1 }, 'service');
    await bad({ service: SERVICE, type: 'max', threshold: 1 }, 'attr');
    await bad({ service: SERVICE, attr: 'x', type: 'above', threshold: 1 }, 'type');
    await bad({ service: SERVICE, attr: 'x', type: 'max', threshold: 'ten' }, 'threshold');
    await bad({ service: SERVICE, attr: 'x', type: 'nodata', threshold: 0.5 }, 'threshold');
    await bad({ service: SERVICE, attr: 'x', type: 'max', threshold: 1, webhookUrl: 'ftp://127.0.0.1/x' }, 'webhookUrl');
    await assert.rejects(natsRequest(nc, MonitorSubjects.rulesDelete, { id: 'nope' }), /MONITOR_RULE_NOT_FOUND|does not exist/);
  });

  it('monitor - each alarm type fires once and recovers once on a constructed series, with events and a webhook', async () => {
    const hook = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/alarm`;
    const create = (attr: string, type: string, threshold: number, webhookUrl?: string): Promise<AlarmRuleView> =>
      natsRequest<AlarmRuleView>(nc, MonitorSubjects.rulesCreate, {
        service: SERVICE,
        attr,
        type,
        threshold,
        ...(webhookUrl ? { webhookUrl } : {}),
      });
    const rules = [
      await create('a_max', 'max', 20, hook),
      await create('a_min', 'min', 3),
      await create('a_wave', 'wave', 50),
      await create('a_nodata', 'nodata', 2),
      await create('a_diff', 'diff', 100),
    ];
    const updated = await natsRequest<AlarmRuleView>(nc, MonitorSubjects.rulesUpdate, { id: rules[1]!.id, threshold: 3 });
    assert.equal(updated.threshold, 3);
    assert.equal((await natsRequest<AlarmRuleView[]>(nc, MonitorSubjects.rulesList, { service: SERVICE })).length, 5);

    // Minutes M … M+4 today (in the past), and the same minutes yesterday for the wave rule.
    const M = Math.floor(Date.now() / 60_000) - 20;
    let clock = 0;
    const reporter = new MonitorReporter({ nc, service: SERVICE, host: '10.2.0.1', flushIntervalMs: 60_000, now: () => clock });
    const at = (minute: number, attr: string, value: number): void => {
      clock = minute * 60_000 + 1000;
      reporter.set(attr, value);
    };
    [5, 50, 50, 5].forEach((v, k) => at(M + k, 'a_max', v));
    [5, 1, 1, 5].forEach((v, k) => at(M + k, 'a_min', v));
    [10, 30, 30, 10].forEach((v, k) => at(M + k, 'a_wave', v));
    [10, 10, 10, 10].forEach((v, k) => at(M + k - 1440, 'a_wave', v));
    [500, 200, 200, 450].forEach((v, k) => at(M + k, 'a_diff', v));
    [500, 500, 500, 500].forEach((v, k) => at(M + k - 1440, 'a_diff', v));
    at(M, 'a_nodata', 1);
    at(M + 1, 'a_nodata', 1);
    at(M + 4, 'a_nodata', 1);
    await reporter.close();
    await eventually(
      async () =>
        (
          await natsRequest<TotalsReply>(nc, MonitorSubjects.totals, {
            service: SERVICE,
            day: new Date(M * 60_000).toISOString().slice(0, 10),
          })
        ).totals.length === 5
          ? true
          : undefined,
      5000,
      'constructed series ingested',
    );

    const events: AlarmEvent[] = [];
    const sub = nc.subscribe('msec.events.monitor.>', { callback: (_e, m) => void events.push(m.json<AlarmEvent>()) });
    for (let m = M; m <= M + 4; m++) {
      await natsRequest(nc, MonitorSubjects.alarmsEvaluate, { atMs: (m + 1) * 60_000 + 500 });
    }
    // Judging a minute again changes nothing.
    await natsRequest(nc, MonitorSubjects.alarmsEvaluate, { atMs: (M + 4 + 1) * 60_000 + 500 });
    await nc.flush();
    await eventually(async () => (events.length >= 10 ? true : undefined), 5000, '10 events');
    await new Promise((r) => setTimeout(r, 200));
    sub.unsubscribe();

    const byAttr = (attr: string): string[] => events.filter((e) => e.alarm.attr === attr).map((e) => e.kind);
    for (const attr of ['a_max', 'a_min', 'a_wave', 'a_nodata', 'a_diff']) assert.deepEqual(byAttr(attr), ['alarm', 'recovered'], attr);
    const max = events.find((e) => e.alarm.attr === 'a_max' && e.kind === 'recovered')!.alarm;
    assert.equal(max.count, 2);
    assert.equal(max.firstAt, new Date((M + 1) * 60_000).toISOString());
    assert.equal(max.recoveredAt, new Date((M + 3) * 60_000).toISOString());
    const nodata = events.find((e) => e.alarm.attr === 'a_nodata' && e.kind === 'alarm')!.alarm;
    assert.equal(nodata.firstAt, new Date((M + 3) * 60_000).toISOString());

    assert.deepEqual(await natsRequest<AlarmView[]>(nc, MonitorSubjects.alarmsList, {}), []);
    const history = await natsRequest<AlarmView[]>(nc, MonitorSubjects.alarmsList, { state: 'all', service: SERVICE });
    assert.equal(history.length, 5);
    assert.ok(history.every((a) => a.state === 'recovered'));

    await eventually(async () => (hookBodies.length === 2 ? true : undefined), 5000, 'two webhook posts');
    assert.deepEqual(
      hookBodies.map((b) => [b.kind, b.alarm.attr]),
      [
        ['alarm', 'a_max'],
        ['recovered', 'a_max'],
      ],
    );
    await natsRequest(nc, MonitorSubjects.rulesDelete, { id: rules[0]!.id });
    assert.equal((await natsRequest<AlarmRuleView[]>(nc, MonitorSubjects.rulesList, {})).length, 4);

    // Every state change is also a domain event in the event stream, in the order it happened.
    const stored: DomainEvent[] = [];
    const reader = new EventSubscriber(nc, async (e) => void stored.push(e), {
      durable: 'alarm-test',
      stream: EventStreams.events,
      filter: `monitor.*.${SERVICE}`,
    });
    await reader.start();
    try {
      await eventually(async () => (stored.length >= 17 ? true : undefined), 5000, '17 monitor events');
    } finally {
      await reader.stop();
    }
    const count = (type: string): number => stored.filter((e) => e.type === type).length;
    assert.deepEqual(
      [
        'monitor.AlarmRuleCreated',
        'monitor.AlarmRuleUpdated',
        'monitor.AlarmFired',
        'monitor.AlarmRecovered',
        'monitor.AlarmRuleDeleted',
      ].map(count),
      [5, 1, 5, 5, 1],
    );
    const fired = stored.find((e) => e.type === 'monitor.AlarmFired' && (e.payload as { attr: string }).attr === 'a_max')!;
    const recovered = stored.find((e) => e.type === 'monitor.AlarmRecovered' && (e.payload as { attr: string }).attr === 'a_max')!;
    assert.equal((fired.payload as { alarmId: string }).alarmId, (recovered.payload as { alarmId: string }).alarmId);
    assert.deepEqual(
      [(recovered.payload as { minutes: number }).minutes, (recovered.payload as { recoveredAt: string }).recoveredAt],
      [2, new Date((M + 3) * 60_000).toISOString()],
    );
    const created = stored.find((e) => e.type === 'monitor.AlarmRuleCreated' && (e.payload as { attr: string }).attr === 'a_max')!;
    assert.equal((created.payload as { hasWebhook: boolean }).hasWebhook, true);
    assert.ok(!JSON.stringify(stored).includes(hook), 'webhook URLs stay out of the events');
  });
});
