import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createConnection } from 'mysql2/promise';
import {
  startNats,
  startZooKeeper,
  startRedis,
  startRedisCluster,
  startMariaDb,
  zooKeeperIsOk,
  redisPongs,
  redisPasswordOf,
  tcpExchange,
  isPortTaken,
} from '../src/index.js';

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('testing harness', () => {
  it('nats - starts with JetStream, survives a restart on the same port, and leaves nothing behind', async () => {
    const nats = await startNats();
    after(() => nats.dispose());
    const nc = await nats.connect();
    assert.ok(nc.info?.jetstream, 'JetStream must be enabled');
    await nc.close();
    const firstPid = nats.pid;
    await nats.restart();
    assert.notEqual(nats.pid, firstPid);
    const again = await nats.connect();
    await again.close();
    const pid = nats.pid;
    const dir = nats.dir;
    await nats.dispose();
    assert.equal(processExists(pid), false);
    assert.equal(existsSync(dir), false);
  });

  it('zookeeper - answers ruok and stops cleanly', async () => {
    const zk = await startZooKeeper();
    after(() => zk.dispose());
    assert.equal(await zooKeeperIsOk(zk.host, zk.port), true);
    await zk.stop();
    assert.equal(await isPortTaken(zk.port), false);
  });

  it('redis - pongs, and a port already taken is refused with a clear error', async () => {
    const redis = await startRedis();
    after(() => redis.dispose());
    assert.equal(await redisPongs(redis.host, redis.port, redisPasswordOf(redis)), true);
    await assert.rejects(startRedis({ port: redis.port }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'INFRA_PORT_TAKEN');
      assert.match(error.message, new RegExp(`port 127.0.0.1:${redis.port} is already in use`));
      return true;
    });
  });

  it('redis - requires a password by default: a client without it gets NOAUTH, a wrong one WRONGPASS', async () => {
    const redis = await startRedis();
    after(() => redis.dispose());
    const password = redisPasswordOf(redis);
    assert.ok(password && password.length >= 20, `the url carries a generated password: ${redis.url.replace(/:[^:@]*@/, ':***@')}`);
    assert.match(await tcpExchange(redis.host, redis.port, 'PING\r\n'), /^-NOAUTH/);
    assert.match(await tcpExchange(redis.host, redis.port, 'CONFIG GET dir\r\n'), /^-NOAUTH/);
    assert.match(await tcpExchange(redis.host, redis.port, 'AUTH not-the-password\r\n'), /^-WRONGPASS/);
    assert.equal(await redisPongs(redis.host, redis.port), false);
    const open = await startRedis({ password: null });
    after(() => open.dispose());
    assert.equal(await redisPongs(open.host, open.port), true);
  });

  it('redis cluster - nodes started with a password form a cluster that requires it', async () => {
    const cluster = await startRedisCluster(6, 1, { password: 'cluster-secret' });
    after(() => cluster.dispose());
    const [host, port] = cluster.addresses[0]!.split(':');
    assert.match(await tcpExchange(host!, Number(port), 'CLUSTER INFO\r\n'), /^-NOAUTH/);
    const info = execFileSync('redis-cli', ['-h', host!, '-p', port!, 'cluster', 'info'], {
      encoding: 'utf8',
      env: { ...process.env, REDISCLI_AUTH: 'cluster-secret' },
    });
    assert.match(info, /cluster_state:ok/);
  });

  it('redis cluster - six nodes form a healthy 3+3 cluster', async () => {
    const cluster = await startRedisCluster();
    after(() => cluster.dispose());
    const [host, port] = cluster.addresses[0]!.split(':');
    const nodes = execFileSync('redis-cli', ['-h', host!, '-p', port!, 'cluster', 'nodes'], { encoding: 'utf8' });
    assert.equal((nodes.match(/master/g) ?? []).length, 3);
    assert.equal((nodes.match(/slave/g) ?? []).length, 3);
  });

  it('mariadb - serves the msec database over TCP', async () => {
    const maria = await startMariaDb();
    after(() => maria.dispose());
    const connection = await createConnection(maria.url);
    const [rows] = await connection.query('SELECT 1 + 1 AS two');
    await connection.end();
    assert.deepEqual(rows, [{ two: 2 }]);
  });
});
