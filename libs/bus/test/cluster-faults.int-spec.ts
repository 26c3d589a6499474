import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { NatsRole, setStreamReplicas } from '@msec/contracts';
import { startNatsCluster, type NatsTestCluster } from '@msec/testing';
import { BusStreams, EventStore, MessageBus, createEvent } from '../src/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `read` once the cluster answers again: right after a leader dies, JetStream requests time out until a new one is elected. */
async function settled<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt === 40) throw error;
      await sleep(500);
    }
  }
}

describe('bus on a three-node NATS cluster', () => {
  let cluster: NatsTestCluster;
  let nc: NatsConnection;

  before(async () => {
    cluster = await startNatsCluster(3);
    // Every stream this process creates keeps three copies, as with streamReplicas: 3 in a cluster profile.
    setStreamReplicas(3);
    nc = await cluster.connect({ ...(await cluster.optionsFor(NatsRole.registry)), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  });

  after(async () => {
    setStreamReplicas(1);
    await nc?.close();
    await cluster?.dispose();
  });

  it('cluster faults - kill -9 of the node leading the event stream: every acknowledged event is kept, once, and appends go on', async () => {
    const store = new EventStore(nc);
    await store.init();
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(BusStreams.events);
    assert.equal(info.config.num_replicas, 3, 'the event stream keeps three copies');
    const leaderName = info.cluster?.leader;
    assert.ok(leaderName, 'the stream has a leader');
    const leader = cluster.nodes[Number(leaderName.replace('msec-node-', '')) - 1]!;

    const acknowledged: string[] = [];
    let failures = 0;
    let killed = false;
    let lastError = '';
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && acknowledged.length < 300;) {
      const event = createEvent('registry.FaultProbe', 'Fault.mod_probe', { n: acknowledged.length });
      // An append that is not acknowledged is retried with the same id, as a caller would: stored once either way.
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await store.append('registry.Fault.mod_probe', event);
          acknowledged.push(event.id);
          break;
        } catch (error) {
          lastError = String(error);
          failures++;
          await sleep(250);
        }
      }
      if (!killed && acknowledged.length === 100) {
        await leader.kill();
        killed = true;
      }
    }
    assert.ok(killed, 'the leader was killed mid-stream');
    assert.equal(
      acknowledged.length,
      300,
      `appends went on after the kill (${acknowledged.length} acknowledged, ${failures} retried: ${lastError})`,
    );

    const stored = (await settled(() => store.read('registry.Fault.mod_probe'))).events.map((e) => e.event.id);
    assert.equal(new Set(stored).size, stored.length, 'no event is stored twice');
    assert.deepEqual(new Set(stored), new Set(acknowledged), 'every acknowledged event is in the stream');
    const after = await settled(() => jsm.streams.info(BusStreams.events));
    assert.notEqual(after.cluster?.leader, leaderName, 'another node leads the stream');
  });
});

describe('bus on a three-node NATS cluster, meta leader killed', () => {
  let cluster: NatsTestCluster;
  let nc: NatsConnection;
  let bus: MessageBus;

  before(async () => {
    cluster = await startNatsCluster(3);
    setStreamReplicas(3);
    nc = await cluster.connect({ ...(await cluster.optionsFor(NatsRole.registry)), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  });

  after(async () => {
    await bus?.close();
    setStreamReplicas(1);
    await nc?.close();
    await cluster?.dispose();
  });

  it('cluster faults - kill -9 of the JetStream meta leader while messages are published and events appended: every acknowledged one is delivered or kept, once per idempotent consumer', async () => {
    bus = new MessageBus(nc);
    await bus.init();
    const store = new EventStore(nc);
    await store.init();
    // The group's consumer: an idempotent handler counts each message id once, and every delivery.
    const handled = new Set<string>();
    let deliveries = 0;
    await bus.subscribe(
      'fault.order',
      (m) => {
        deliveries += 1;
        handled.add(m.msgId);
      },
      { group: 'fault-billing', ackLeaseMs: 2_000 },
    );
    const metaLeader = await cluster.metaLeader();
    assert.ok(metaLeader !== undefined, 'the meta group has a leader');

    const published: string[] = [];
    const appended: string[] = [];
    let killed = false;
    let retried = 0;
    for (const deadline = Date.now() + 40_000; Date.now() < deadline && (published.length < 200 || appended.length < 200);) {
      const msgId = `order-${published.length}`;
      const event = createEvent('registry.FaultProbe', 'Fault.mod_meta', { n: appended.length });
      // Unacknowledged publishes and appends are sent again with the same id, as a caller would; one acknowledged is
      // not sent again when only the other failed.
      let publishDone = published.length >= 200;
      for (let attempt = 0; attempt < 40; attempt += 1) {
        try {
          if (!publishDone) {
            await bus.publish('fault.order', { n: published.length }, { msgId });
            published.push(msgId);
            publishDone = true;
          }
          if (appended.length < 200) {
            await store.append('registry.Fault.mod_meta', event);
            appended.push(event.id);
          }
          break;
        } catch {
          retried += 1;
          await sleep(250);
        }
      }
      if (!killed && published.length === 60) {
        await cluster.nodes[metaLeader]!.kill();
        killed = true;
      }
    }
    assert.ok(killed, 'the meta leader was killed mid-run');
    assert.equal(published.length, 200, `publishes went on after the kill (${retried} retried)`);
    assert.equal(appended.length, 200, 'appends went on after the kill');
    await settled(async () => {
      if (!published.every((id) => handled.has(id))) throw new Error(`${handled.size} of ${published.length} handled`);
    });
    assert.deepEqual([...handled].sort(), [...published].sort(), 'every acknowledged message handled, none unknown');
    const stored = (await settled(() => store.read('registry.Fault.mod_meta'))).events.map((e) => e.event.id);
    assert.equal(new Set(stored).size, stored.length, 'no event is stored twice');
    assert.deepEqual(new Set(stored), new Set(appended), 'every acknowledged event is in the stream');
    const after = await settled(async () => {
      const leader = await cluster.metaLeader();
      if (leader === undefined || leader === metaLeader) throw new Error('no new meta leader yet');
      return leader;
    });
    assert.notEqual(after, metaLeader, 'another node leads the meta group');
    assert.ok(deliveries >= published.length, 'redeliveries are possible, losses are not');
  });
});
