import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zookeeper from 'node-zookeeper-client';
import { startZooKeeper, type InfraServer } from '@msec/testing';
import { RoutePaths, ZkRouteWriter } from '../src/index.js';

function ownerOf(connect: string, path: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(connect);
    client.once('connected', () =>
      client.exists(path, (error, stat) => {
        client.close();
        if (error) reject(error);
        else resolve(stat ? stat.ephemeralOwner.toString('hex') : undefined);
      }),
    );
    client.connect();
  });
}

describe('live announcements', () => {
  let zk: InfraServer;
  before(async () => {
    zk = await startZooKeeper();
  });
  after(() => zk.dispose());

  it('live - a process restarted on the address of a dead one replaces its lingering node, so it stays live after the old session expires', async () => {
    const service = 'Flight.mod_flight';
    const key = '127.0.0.1:8090';
    const path = RoutePaths.liveInstance(service, key);
    const dead = await ZkRouteWriter.open(zk.url);
    await dead.createService(service);
    await dead.announceLive(service, key);
    const deadOwner = await ownerOf(zk.url, path);

    // The new process announces while the dead one's session still holds the node.
    const restarted = await ZkRouteWriter.open(zk.url);
    after(() => restarted.close());
    await restarted.announceLive(service, key);
    const newOwner = await ownerOf(zk.url, path);
    assert.ok(newOwner !== undefined && newOwner !== deadOwner, 'the lingering node was not replaced');

    // The dead process's session ends: the live node must survive, since it is the new process's.
    dead.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await ownerOf(zk.url, path), newOwner);
  });
});
