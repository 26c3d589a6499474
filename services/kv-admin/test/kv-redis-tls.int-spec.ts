import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { KvSubjects, type KvOperationStarted, type KvTopology, NatsRole } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import {
  createTestCertificates,
  redisPasswordOf,
  redisPongs,
  startNats,
  startRedis,
  startRedisNodes,
  tcpExchange,
  type InfraServer,
  type RedisNodes,
  type NatsTestServer,
} from '@msec/testing';
import { KvAdminProcess, waitOperation } from './helpers/kv-harness.js';

let nats: NatsTestServer;
let bull: InfraServer;
let three: RedisNodes;
let nc: NatsConnection;
let dir: string;
let kvAdmin: KvAdminProcess;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msec-test-kv-tls-'));
  const certificates = createTestCertificates(join(dir, 'tls'));
  [nats, bull, three] = await Promise.all([startNats(), startRedis({ tls: certificates }), startRedisNodes(3)]);
  nc = await nats.connect();
  kvAdmin = new KvAdminProcess({
    ...(await nats.envFor(NatsRole.kvAdmin)),
    MSEC_REDIS_URL: bull.url,
    MSEC_REDIS_TLS_CA: certificates.caFile,
    MSEC_DATA_DIR: join(dir, 'data'),
    MSEC_DB_URL: '',
  });
  // start() waits until kv-admin reports ready, which includes its Redis health check over TLS.
  await kvAdmin.start(nc);
});

after(async () => {
  await kvAdmin?.kill();
  await nc?.close();
  await Promise.all([three?.dispose(), bull?.dispose(), nats?.dispose()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(
  'kv redis tls - BullMQ runs kv-admin operations through a Redis that speaks only TLS, verified with a test CA',
  { timeout: 60_000 },
  async () => {
    assert.match(bull.url, /^rediss:\/\/:[^@]+@127\.0\.0\.1:\d+$/);
    // Plain text gets no Redis answer on the TLS port; TLS with the CA and the password does.
    const plainText = await tcpExchange(bull.host, bull.port, 'PING\r\n').catch((error: Error) => error.message);
    assert.doesNotMatch(plainText, /PONG/);
    assert.equal(await redisPongs(bull.host, bull.port, redisPasswordOf(bull), join(dir, 'tls', 'ca.crt')), true);

    const started = await natsRequest<KvOperationStarted>(
      nc,
      KvSubjects.clustersCreate,
      { name: 'tls', nodes: three.addresses, replicasPerMaster: 0 },
      10_000,
    );
    const done = await waitOperation(nc, started);
    assert.equal(done.status, 'succeeded');
    const view = await natsRequest<KvTopology>(nc, KvSubjects.clustersTopology, { cluster: 'tls' }, 10_000);
    assert.equal(view.nodes.filter((n) => n.role === 'master').length, 3);
  },
);
