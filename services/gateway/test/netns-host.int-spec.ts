import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentCommandType, NatsRole, type AgentAuditEvent, type HostView, type ReleasePlanView } from '@msec/contracts';
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
/** Seconds the slow build takes to open its port: the agent's start-instance is in flight that long. */
const SLOW_LISTEN_S = 6;
/** A build that opens its port SLOW_LISTEN_S after it starts, so its link can be cut while deploy waits on the start. */
const SLOW_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => res.end(JSON.stringify({ service: process.env.MSEC_SERVICE, version: process.env.PKG_VERSION })));
setTimeout(() => server.listen(Number(process.env.MSEC_PORT), process.env.MSEC_HOST || '127.0.0.1'), ${SLOW_LISTEN_S * 1000});
process.on('SIGTERM', () => process.exit(0));
`;

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
  const startRelease = async (version: string, port: number, healthTimeoutMs = 5000): Promise<string> => {
    const created = await dev.call('POST', '/api/v1/releases', {
      service: 'Net.echo',
      packageName: 'net-echo',
      packageVersion: version,
      port,
      hosts: [HOST_ID],
      strategy: { canary: false, batchSize: 1, stabilizeMs: 300, healthTimeoutMs },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.planId as string;
  };
  const finished = (planId: string, timeoutMs?: number): Promise<ReleasePlanView> =>
    eventually(
      `release ${planId} finished`,
      async () => {
        const r = await dev.call('GET', `/api/v1/releases/${planId}`);
        return ['succeeded', 'failed', 'rolled-back'].includes(r.body.state) ? (r.body as ReleasePlanView) : undefined;
      },
      timeoutMs,
    );
  const release = async (version: string, port: number): Promise<ReleasePlanView> => finished(await startRelease(version, port));

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

  it('network host - its link cut while a release waits on it: the release fails within seconds naming the host as down, a late answer changes nothing, and the next release uses the host', async () => {
    const host = net.hosts[0]!;
    const port = releasedPort;
    const uploaded = await dev.call('POST', '/api/v1/packages', {
      contentBase64: buildPackage('net-echo', '3.0.0', SLOW_SERVER).bytes.toString('base64'),
    });
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    // the agent may wait 60 s for the port and deploy 75 s for its answer: only the host going down ends the wait sooner
    const createdAt = Date.now();
    const planId = await startRelease('3.0.0', port, 60_000);
    await eventually('the agent is starting the slow build', async () => {
      const hosts = (await admin.call('GET', '/api/v1/hosts')).body.items as HostView[];
      const instance = hosts.find((h) => h.hostId === HOST_ID)?.instances.find((i) => i.name === 'Net.echo');
      return instance?.packageVersion === '3.0.0' && instance.status === 'starting' ? true : undefined;
    });
    const cutAt = Date.now();
    host.linkDown();
    const failed = await finished(planId, 40_000);
    const tookMs = Date.now() - cutAt;
    assert.equal(failed.state, 'failed', JSON.stringify(failed));
    assert.ok(tookMs < 30_000, `the release failed ${tookMs} ms after the link was cut`);
    assert.match(
      failed.error ?? '',
      new RegExp(`^host ${HOST_ID} is down \\(no heartbeat for \\d+ s\\); rollback failed on 1 host\\(s\\)$`),
    );
    assert.match(failed.hosts[0]!.error ?? '', new RegExp(`^rollback failed: host ${HOST_ID} is down`));
    // the Releases page's list shows it failed too
    const listed = ((await dev.call('GET', '/api/v1/releases?service=Net.echo')).body.items as ReleasePlanView[]).find(
      (p) => p.planId === planId,
    );
    assert.equal(listed?.state, 'failed');

    host.linkUp();
    await eventually('the host is up again', async () => ((await hostStatus()) === 'up' ? true : undefined));
    // the agent finishes the start it was running and answers deploy, which no longer waits for it
    await eventually(
      'the agent answered the start it was running',
      async () => {
        const audit = (await admin.call('GET', `/api/v1/hosts/audit?hostId=${HOST_ID}&limit=20`)).body.items as AgentAuditEvent[];
        return audit.some((a) => a.type === AgentCommandType.startInstance && a.receivedAt >= createdAt) ? true : undefined;
      },
      SLOW_LISTEN_S * 1000 + 20_000,
    );
    const again = (await dev.call('GET', `/api/v1/releases/${planId}`)).body as ReleasePlanView;
    assert.deepEqual([again.state, again.error], [failed.state, failed.error], 'the late answer did not change the release');
    const done = await release('2.0.0', port);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    assert.equal(((await (await fetch(`http://${host.ip}:${port}/`)).json()) as { version: string }).version, '2.0.0');
  });
});
