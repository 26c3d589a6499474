import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { NatsRole, setStreamReplicas } from '@msec/contracts';
import { startNatsCluster, type NatsTestCluster } from '@msec/testing';
import { BusStreams, EventStore, createEvent } from '../src/index.js';

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
