import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { natsCredsOptions } from '@msec/contracts/nats-creds';
import { canMakeNetnsHosts, freePort, netnsNames, TEMP_DIR_PREFIX } from '@msec/testing';
import { REPO_ROOT } from '../src/paths.js';
import type { RunState } from '../src/launcher/run-state.js';
import { hasPython3 } from '../src/launcher/flight-demo.js';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'cli', 'dist', 'src', 'main.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function msec(args: string[], env: NodeJS.ProcessEnv, user?: string): Promise<CliResult> {
  const [file, argv] = user ? ['runuser', ['-u', user, '--', process.execPath, CLI, ...args]] : [process.execPath, [CLI, ...args]];
  try {
    const { stdout, stderr } = await run(file, argv, { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 480_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The console's REST API as the admin (one-time password changed first), as the web console uses it. */
interface AdminSession {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

async function adminSession(consoleUrl: string, oneTimePassword: string): Promise<AdminSession> {
  const login = await fetch(`${consoleUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: oneTimePassword }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const headers = {
    cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]!,
    'x-csrf-token': csrfToken,
    'content-type': 'application/json',
  };
  const session: AdminSession = {
    call: async (method, path, body) => {
      const response = await fetch(`${consoleUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
    },
  };
  const changed = await session.call('POST', '/api/v1/auth/password', {
    currentPassword: oneTimePassword,
    newPassword: 'cluster-admin-password-1',
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  return session;
}

async function eventually<T>(what: string | (() => string), check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Whether the CLI can be run as an ordinary user here (runuser present, the checkout readable by `nobody`). */
function nobodyCanRunCli(): boolean {
  try {
    execFileSync('runuser', ['-u', 'nobody', '--', 'test', '-r', CLI], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('cluster profile', { skip: !canMakeNetnsHosts() && 'needs root for network namespaces' }, () => {
  it('cluster - up --cluster runs 3 NATS servers, 3 ZooKeeper members, two gateways and 3 hosts in namespaces with the demo on each; a NATS server killed, the console keeps working; down leaves no process, namespace or link', async () => {
    const home = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}cluster-home-`));
    const env = { MSEC_HOME: home, MSEC_HTTP_PORT: String(await freePort()) };
    after(async () => {
      await msec(['down'], env);
      rmSync(home, { recursive: true, force: true });
    });

    const up = await msec(['up', '--cluster', '-d'], env);
    assert.equal(up.code, 0, `up --cluster -d failed:\n${up.stdout}\n${up.stderr}`);
    const state = JSON.parse(readFileSync(join(home, 'run', 'state.json'), 'utf8')) as RunState;
    assert.ok(state.network, 'the state file names the network it made');
    const names = netnsNames(state.network.id, 3);

    // Every node and host in ./msec status, each healthy; the hosts on their own addresses.
    const status = await msec(['status'], env);
    assert.equal(status.code, 0, `status reported a problem:\n${status.stdout}`);
    const modules = ['user', 'flight', ...(hasPython3() ? ['python-echo'] : [])];
    const expected = [
      ...['nats-1', 'nats-2', 'nats-3', 'zookeeper-1', 'zookeeper-2', 'zookeeper-3', 'redis'],
      ...['registry', 'deploy', 'monitor', 'log', 'kv-admin', 'gateway', 'gateway-2', 'host-1', 'host-2', 'host-3'],
      ...['host-1', 'host-2', 'host-3'].flatMap((host) => modules.map((m) => `${m}@${host}`)),
    ];
    for (const name of expected)
      assert.match(status.stdout, new RegExp(`^${name}\\s+\\d+\\s+.*healthy`, 'm'), `${name} is not healthy:\n${status.stdout}`);
    assert.doesNotMatch(status.stdout, /^agent\s/m, 'no local agent in the cluster profile');
    const hostIps = state.components.filter((c) => c.kind === 'host').map((c) => c.ip);
    assert.equal(new Set(hostIps).size, 3, `three hosts on three addresses: ${hostIps.join(', ')}`);
    for (const ip of hostIps) assert.match(ip ?? '', /^10\.\d+\.\d+\.\d+$/);
    // Each agent really runs in its host's namespace.
    const namespaceOf = (pid: number): string => execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim();
    assert.deepEqual(
      state.components.filter((c) => c.kind === 'host').map((c) => namespaceOf(c.pid)),
      names.namespaces,
    );

    // The console lists the three hosts up, on their own addresses.
    const adminPassword = readFileSync(join(home, 'data', 'initial-admin-password'), 'utf8').trim();
    const admin = await adminSession(state.consoleUrl, adminPassword);
    const hosts = (await admin.call('GET', '/api/v1/hosts')).body.items as Array<{ hostId: string; status: string; ip: string }>;
    assert.deepEqual(
      hosts
        .filter((h) => h.hostId.startsWith('host-'))
        .map((h) => [h.hostId, h.status, h.ip])
        .sort(),
      ['host-1', 'host-2', 'host-3'].map((id, i) => [id, 'up', hostIps[i]]),
    );

    // The console's event stream keeps a copy on each of the three NATS servers (read as the registry, its writer).
    const nc = await connect({
      ...natsCredsOptions(join(home, 'secrets', 'nats', 'registry.creds'), 'registry.creds'),
      servers: state.natsUrl.split(','),
    });
    try {
      const events = await (await jetstreamManager(nc)).streams.info('MSEC_EVENTS');
      assert.equal(events.config.num_replicas, 3);
      assert.equal(events.cluster?.replicas?.length, 2, JSON.stringify(events.cluster));
    } finally {
      await nc.close();
    }

    // A call by name reaches Flight on a host and User behind it.
    const called = await msec(
      [
        'call',
        'Flight.mod_flight',
        'flight.flight_service.queryFlight',
        '{"name":"bison","password":"123456","departureCity":"sz","destinationCity":"xz"}',
      ],
      env,
    );
    assert.equal(called.code, 0, `msec call failed:\n${called.stdout}\n${called.stderr}`);
    assert.match(called.stdout, /c8835/);

    // A NATS server killed (kill -9): the console keeps working on the other two — a change to its state (an event
    // appended to the replicated stream) is made and read back, calls by name go on, and status names the dead node.
    const nats1 = state.components.find((c) => c.name === 'nats-1')!;
    process.kill(nats1.pid, 'SIGKILL');
    // An attempt cut short while the cluster settles may still have stored the user: then the next one is told it exists.
    let lastAnswer = '';
    await eventually(
      () => `a user created through the console after the kill (last answer ${lastAnswer})`,
      async () => {
        const r = await admin.call('POST', '/api/v1/users', { username: 'after-kill', password: 'long-enough-pass-1', role: 'viewer' });
        lastAnswer = `${r.status} ${JSON.stringify(r.body)}`;
        return r.status === 201 || r.status === 409 ? r.status : undefined;
      },
      60_000,
    );
    await eventually('the new user is listed', async () => {
      const r = await admin.call('GET', '/api/v1/users');
      return (r.body.items as Array<{ username: string }> | undefined)?.some((u) => u.username === 'after-kill') ? true : undefined;
    });
    const calledAfter = await msec(
      [
        'call',
        'Flight.mod_flight',
        'flight.flight_service.queryFlight',
        '{"name":"bison","password":"123456","departureCity":"sz","destinationCity":"xz"}',
      ],
      env,
    );
    assert.equal(calledAfter.code, 0, `msec call after the kill failed:\n${calledAfter.stdout}\n${calledAfter.stderr}`);
    const statusAfter = await msec(['status'], env);
    assert.equal(statusAfter.code, 1, 'status reports the dead node');
    assert.match(statusAfter.stdout, /^nats-1\s+\d+\s+.*(down|not answering)/m);
    for (const name of ['nats-2', 'nats-3', 'gateway', 'deploy', 'registry', 'host-1'])
      assert.match(statusAfter.stdout, new RegExp(`^${name}\\s+\\d+\\s+.*healthy`, 'm'), `${name} after the kill:\n${statusAfter.stdout}`);

    const pids = [state.launcherPid, ...state.components.map((c) => c.pid)].filter((pid) => pid > 0 && pid !== nats1.pid);
    const down = await msec(['down'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(pids.filter(alive), [], 'every process of the cluster stopped');
    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const name of names.namespaces) assert.ok(!namespaces.includes(name), `${name} is left:\n${namespaces}`);
    const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
    for (const name of [names.bridge, ...names.links])
      assert.ok(!links.includes(`${name}:`) && !links.includes(`${name}@`), `${name} is left`);
  });

  it(
    'cluster - without root it says it needs root and how to run it, and starts nothing',
    {
      skip: !nobodyCanRunCli() && 'runuser is missing or user nobody cannot read this checkout',
    },
    async () => {
      const home = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}cluster-nobody-`));
      chmodSync(home, 0o777);
      after(() => rmSync(home, { recursive: true, force: true }));
      const refused = await msec(['up', '--cluster'], { MSEC_HOME: home }, 'nobody');
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr + refused.stdout, /needs root.*sudo \.\/msec up --cluster/s);
      assert.throws(() => readFileSync(join(home, 'run', 'state.json')), 'nothing was started');
    },
  );
});
