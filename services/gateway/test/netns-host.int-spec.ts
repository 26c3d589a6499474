import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NatsRole } from '@msec/contracts';
import {
  GOOD_SERVER,
  buildPackage,
  canMakeNetnsHosts,
  freePort,
  startNats,
  startNetnsHosts,
  startRedis,
  type InfraServer,
  type NatsTestServer,
  type NetnsHosts,
} from '@msec/testing';
import {
  ApiClient,
  adminClient,
  eventually,
  startNodeProcess,
  startTestGateway,
  userClient,
  type NodeProcess,
  type TestGateway,
} from './gateway-harness.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DEPLOY_MAIN = join(repo, 'services/deploy/dist/src/main.js');
const CLI_MAIN = join(repo, 'cli/dist/src/main.js');
const HOST_ID = 'ns-host';

/**
 * A host as a separate machine: the packaged agent, unpacked with nothing but Node, runs in its own network namespace
 * and reaches the console (gateway, NATS) over a bridge address, as a remote host reaches it over the LAN.
 */
describe('a host on its own network (network namespace)', { skip: !canMakeNetnsHosts() && 'needs root for network namespaces' }, () => {
  let net: NetnsHosts;
  let nats: NatsTestServer;
  let redis: InfraServer;
  let gw: TestGateway;
  let deploy: NodeProcess;
  let agent: ChildProcess | undefined;
  let admin: ApiClient;
  let dev: ApiClient;
  let dir: string;
  let releasedPort = 0;

  const hostStatus = async (): Promise<string | undefined> =>
    ((await admin.call('GET', '/api/v1/hosts')).body.items as Array<{ hostId: string; status: string }> | undefined)?.find(
      (h) => h.hostId === HOST_ID,
    )?.status;
  const release = async (version: string, port: number): Promise<{ state: string; error: string | null }> => {
    const created = await dev.call('POST', '/api/v1/releases', {
      service: 'Net.echo',
      packageName: 'net-echo',
      packageVersion: version,
      port,
      hosts: [HOST_ID],
      strategy: { canary: false, batchSize: 1, stabilizeMs: 300, healthTimeoutMs: 5000 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return eventually(`release of ${version} finished`, async () => {
      const r = await dev.call('GET', `/api/v1/releases/${created.body.planId}`);
      return ['succeeded', 'failed', 'rolled-back'].includes(r.body.state) ? r.body : undefined;
    });
  };

  before(async () => {
    net = startNetnsHosts(1);
    // The console listens on the bridge, where the host reaches it.
    nats = await startNats({ host: net.bridgeIp });
    [gw, redis] = await Promise.all([startTestGateway({ nats, env: { MSEC_HTTP_HOST: net.bridgeIp } }), startRedis()]);
    dir = mkdtempSync(join(tmpdir(), 'msec-test-netns-host-'));
    deploy = startNodeProcess(DEPLOY_MAIN, {
      ...(await nats.envFor(NatsRole.deploy)),
      MSEC_REDIS_URL: redis.url,
      MSEC_DATA_DIR: join(dir, 'data'),
      MSEC_DB_URL: '',
    });
    admin = await adminClient(gw);
    dev = await userClient(gw, admin, 'nadia', 'developer');
    await eventually(`deploy answers (${deploy.output()})`, async () =>
      (await admin.call('GET', '/api/v1/hosts')).status === 200 ? true : undefined,
    );
    for (const version of ['1.0.0', '2.0.0']) {
      const uploaded = await dev.call('POST', '/api/v1/packages', {
        contentBase64: buildPackage('net-echo', version, GOOD_SERVER).bytes.toString('base64'),
      });
      assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    }
  });

  after(async () => {
    agent?.kill('SIGTERM');
    if (agent && agent.exitCode === null) await new Promise((r) => agent!.once('exit', r));
    await deploy?.stop();
    await gw?.close();
    await redis?.dispose();
    await nats?.dispose();
    await net?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('network host - the packaged agent started in a fresh namespace with only Node joins with a token and runs a released instance', async () => {
    const host = net.hosts[0]!;
    const archive = join(dir, 'msec-agent.tar.gz');
    await promisify(execFile)(process.execPath, [CLI_MAIN, 'package', 'agent', '--out', archive]);
    const hostDir = join(dir, 'host');
    execFileSync('mkdir', ['-p', hostDir]);
    execFileSync('tar', ['-xzf', archive, '-C', hostDir]);
    const token = (await admin.call('POST', '/api/v1/hosts/enrollments', { hostId: HOST_ID })).body.token as string;
    agent = host.spawn(join(hostDir, 'msec-agent', 'start-agent.sh'), ['--gateway', gw.baseUrl, '--enroll', token, '--ip', host.ip], {
      PATH: process.env.PATH,
      MSEC_AGENT_HEARTBEAT_MS: '300',
    });
    await eventually('the host heartbeats from its own network', async () => ((await hostStatus()) === 'up' ? true : undefined));
    const port = await freePort();
    const done = await release('1.0.0', port);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    // Served on the host's own address, reached across the bridge.
    const served = (await (await fetch(`http://${host.ip}:${port}/`)).json()) as { service: string; version: string };
    assert.deepEqual([served.service, served.version], ['Net.echo', '1.0.0']);
    releasedPort = port;
  });

  it('network host - its link down: the host shows down and a release to it is refused naming it; back up, it heartbeats, keeps serving and takes a release', async () => {
    const host = net.hosts[0]!;
    const port = releasedPort;
    host.linkDown();
    await eventually('the host shows down', async () => ((await hostStatus()) === 'down' ? true : undefined));
    const refused = await dev.call('POST', '/api/v1/releases', {
      service: 'Net.echo',
      packageName: 'net-echo',
      packageVersion: '2.0.0',
      port,
      hosts: [HOST_ID],
      strategy: { canary: false, batchSize: 1, stabilizeMs: 300, healthTimeoutMs: 5000 },
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, new RegExp(`${HOST_ID} is down`));
    host.linkUp();
    await eventually('the host is up again', async () => ((await hostStatus()) === 'up' ? true : undefined));
    const still = (await (await fetch(`http://${host.ip}:${port}/`)).json()) as { version: string };
    assert.equal(still.version, '1.0.0', 'the instance kept running through the outage');
    const done = await release('2.0.0', port);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    assert.equal(((await (await fetch(`http://${host.ip}:${port}/`)).json()) as { version: string }).version, '2.0.0');
  });
});
