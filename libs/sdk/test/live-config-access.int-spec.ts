import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { LIVE_CONFIG_BUCKET, NatsRole } from '@msec/contracts';
import { startNats, type NatsTestServer } from '@msec/testing';

const FLIGHT = 'Flight.mod_flight';
const PAY = 'Pay.mod_pay';

describe('sdk live config access', () => {
  let nats: NatsTestServer;
  let deploy: NatsConnection;
  let flight: NatsConnection;

  before(async () => {
    nats = await startNats();
    deploy = await nats.connectAs(NatsRole.deploy);
    const kv = await new Kvm(deploy).create(LIVE_CONFIG_BUCKET, { history: 5 });
    await kv.put(FLIGHT, JSON.stringify({ service: FLIGHT, tag: 'c1', seq: 1, content: 'fare = RMB1', publishedAt: 1, publishedBy: 'a' }));
    await kv.put(PAY, JSON.stringify({ service: PAY, tag: 'p1', seq: 1, content: 'secret = s3cr3t', publishedAt: 1, publishedBy: 'a' }));
    flight = await nats.connectAs(NatsRole.service, FLIGHT);
  });

  after(async () => {
    await flight?.close();
    await deploy?.close();
    await nats?.dispose();
  });

  it("live config - a service reads and watches its own config, never another service's, and cannot write its own", async () => {
    const kv = await new Kvm(flight).open(LIVE_CONFIG_BUCKET, { allow_direct: true });
    assert.match((await kv.get(FLIGHT))!.string(), /RMB1/);
    const watch = await kv.watch({ key: FLIGHT });
    for await (const entry of watch) {
      assert.match(entry.string(), /RMB1/);
      break;
    }
    watch.stop();
    await assert.rejects(kv.get(PAY), 'the other service config is not readable');
    await assert.rejects(kv.watch({ key: PAY }), 'nor watchable');
    await assert.rejects(kv.watch({ key: '>' }), 'nor the whole bucket');
    await assert.rejects(kv.put(FLIGHT, 'forged'), 'a service cannot change its own config');
    const stored = await (await new Kvm(deploy).open(LIVE_CONFIG_BUCKET)).get(FLIGHT);
    assert.match(stored!.string(), /RMB1/);
  });
});
