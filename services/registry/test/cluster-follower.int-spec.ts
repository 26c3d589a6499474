import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Component, DeployEventSubjects, DeployEventType, NatsRole, RegistrySubjects, Subjects, type ServiceView } from '@msec/contracts';
import { BusStreams, EventStore, createEvent } from '@msec/bus';
import { natsRequest } from '@msec/platform';
import { startNatsCluster, startZooKeeper, TEMP_DIR_PREFIX, type InfraServer, type NatsTestCluster } from '@msec/testing';

const REGISTRY_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../src/main.js');
/** The durable consumer through which the registry follows successful releases. */
const RELEASE_CONSUMER = 'registry_release_succeeded';
const SERVICE = 'Shop.mod_cart';

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('registry on a three-node NATS cluster', () => {
  let cluster: NatsTestCluster;
  let zk: InfraServer;
  let registry: ChildProcess;
  let admin: NatsConnection;
  let deploy: NatsConnection;
  /** The registry's own identity: the one that may read its consumer's placement. */
  let registryIdentity: NatsConnection;
  let dir: string;
  let output = '';

  before(async () => {
    [cluster, zk] = await Promise.all([startNatsCluster(3), startZooKeeper()]);
    dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}registry-cluster-`));
    registry = spawn(process.execPath, [REGISTRY_MAIN], {
      env: {
        ...process.env,
        ...(await cluster.envFor(NatsRole.registry)),
        MSEC_STREAM_REPLICAS: '3',
        MSEC_ZK_CONNECT: zk.url,
        MSEC_DATA_DIR: dir,
        MSEC_DB_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [registry.stdout, registry.stderr]) stream?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const options = { maxReconnectAttempts: -1, reconnectTimeWait: 250 };
    admin = await cluster.connect({ ...(await cluster.optionsFor(NatsRole.admin)), ...options });
    deploy = await cluster.connect({ ...(await cluster.optionsFor(NatsRole.deploy)), ...options });
    registryIdentity = await cluster.connect({ ...(await cluster.optionsFor(NatsRole.registry)), ...options });
    await eventually(`the registry answers (${output})`, async () =>
      (await natsRequest<{ ready: boolean }>(admin, Subjects.health(Component.registry), {}, 2000)).ready ? true : undefined,
    );
  });

  after(async () => {
    registry?.kill('SIGTERM');
    if (registry && registry.exitCode === null) await new Promise((r) => registry.once('exit', r));
    await admin?.close();
    await deploy?.close();
    await registryIdentity?.close();
    await Promise.all([cluster?.dispose(), zk?.dispose()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const releaseSucceeded = (planId: string, hosts: Array<{ hostId: string; ip: string }>): Promise<{ seq: number }> =>
    new EventStore(deploy).append(
      DeployEventSubjects.release(planId),
      createEvent(DeployEventType.releaseSucceeded, planId, { planId, service: SERVICE, port: 9100, packageVersion: '1.0.0', hosts }),
    );
  const enabledInstances = async (count: number): Promise<string[] | undefined> => {
    const view = await natsRequest<ServiceView>(admin, RegistrySubjects.serviceShow, { name: SERVICE }, 2000);
    const enabled = view.instances.filter((i) => i.enabled).map((i) => i.ip);
    return enabled.length === count ? enabled : undefined;
  };

  it('registry cluster - kill -9 of the server holding its release consumer: a release that succeeds afterwards is still routed', async () => {
    await natsRequest(admin, RegistrySubjects.serviceCreate, { name: SERVICE, memo: 'cart' }, 10_000);
    await releaseSucceeded('plan-1', [{ hostId: 'h1', ip: '127.0.0.11' }]);
    await eventually('the first release routed', () => enabledInstances(1));

    const jsm = await jetstreamManager(registryIdentity, { checkAPI: false });
    const consumer = await jsm.consumers.info(BusStreams.events, RELEASE_CONSUMER);
    assert.equal(consumer.config.num_replicas ?? 0, 0, 'the consumer follows its stream');
    assert.equal((consumer.cluster?.replicas?.length ?? 0) + 1, 3, 'the consumer has a copy on each server');
    const leader = cluster.nodes[Number(consumer.cluster!.leader!.replace('msec-node-', '')) - 1]!;
    await leader.kill();
    try {
      await eventually(
        'the event appended after the kill is stored',
        async () => (await releaseSucceeded('plan-2', [{ hostId: 'h2', ip: '127.0.0.12' }])).seq,
        20_000,
      );
      const routed = await eventually(`the second release routed (${output.slice(-2000)})`, () => enabledInstances(2), 30_000);
      assert.deepEqual(routed.sort(), ['127.0.0.11', '127.0.0.12']);
    } finally {
      await leader.start();
    }
  });
});
