import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { ZkRouteWriter } from '@msec/nlb';
import { freePort, tcpExchange, TEMP_DIR_PREFIX } from '@msec/testing';
import { REPO_ROOT } from '../src/paths.js';
import type { RunState } from '../src/launcher/run-state.js';
import { hasPython3 } from '../src/launcher/flight-demo.js';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'cli', 'dist', 'src', 'main.js');
const HAS_PYTHON = hasPython3();

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function msec(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function newHome(): string {
  return mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}home-`));
}

describe('launcher', () => {
  it('launcher - up -d starts every component healthy, restarts a killed service, and down leaves no process behind', async () => {
    const home = newHome();
    const env = { MSEC_HOME: home, MSEC_HTTP_PORT: String(await freePort()) };
    after(async () => {
      await msec(['down'], env);
      rmSync(home, { recursive: true, force: true });
    });

    const up = await msec(['up', '-d'], env);
    assert.equal(up.code, 0, `up -d failed:\n${up.stdout}\n${up.stderr}`);
    assert.match(up.stdout, /console\s+http:\/\/127\.0\.0\.1:\d+/);
    // The one-time admin password reaches the terminal, never a log file.
    const adminPassword = readFileSync(join(home, 'data', 'initial-admin-password'), 'utf8').trim();
    assert.ok(up.stdout.includes(adminPassword), 'up -d prints the one-time admin password');
    for (const log of ['launcher.log', 'gateway.log'])
      assert.equal(readFileSync(join(home, 'logs', log), 'utf8').includes(adminPassword), false, `${log} holds the admin password`);

    const status = await msec(['status'], env);
    assert.equal(status.code, 0, `status reported a problem:\n${status.stdout}`);
    // user and flight: the demo's modules, released to the local agent
    for (const name of [
      'nats',
      'zookeeper',
      'redis',
      'registry',
      'deploy',
      'monitor',
      'log',
      'kv-admin',
      'agent',
      'gateway',
      'user',
      'flight',
      ...(HAS_PYTHON ? ['python-echo'] : []),
    ]) {
      assert.match(status.stdout, new RegExp(`^${name}\\s+\\d+\\s+.*healthy`, 'm'), `${name} is not healthy:\n${status.stdout}`);
    }

    const state = JSON.parse(readFileSync(join(home, 'run', 'state.json'), 'utf8')) as RunState;

    // On by default: generated secrets (folders 0700, files 0600), Redis wants its password, the ZooKeeper tree is
    // closed to a client without an identity, and `msec call` still routes by name with the reader identity.
    const mode = (path: string): number => statSync(join(home, 'secrets', path)).mode & 0o777;
    assert.equal(mode('.'), 0o700);
    assert.equal(mode('zookeeper'), 0o700);
    for (const file of ['zookeeper/registry.auth', 'zookeeper/reader.auth', 'zookeeper/service.secret', 'redis.password'])
      assert.equal(mode(file), 0o600, file);
    const redisPassword = readFileSync(join(home, 'secrets', 'redis.password'), 'utf8').trim();
    assert.equal(
      readFileSync(join(home, 'run', 'state.json'), 'utf8').includes(redisPassword),
      false,
      'state.json holds the Redis password',
    );
    const redisUrl = new URL(state.redisUrl);
    assert.match(await tcpExchange(redisUrl.hostname, Number(redisUrl.port), 'PING\r\n'), /^-NOAUTH/);
    const anonymous = await ZkRouteWriter.open(state.zkConnect);
    try {
      await assert.rejects(anonymous.createService('Evil.mod_evil'), /NO_AUTH/);
      await assert.rejects(anonymous.announceLive('Flight.mod_flight', '10.6.6.6:1'), /NO_AUTH/);
    } finally {
      anonymous.close();
    }
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
    assert.match(called.stderr, /^trace [0-9a-f]{12}[0-9a-z]+$/m, 'the call names the trace it got at Flight');
    if (HAS_PYTHON) {
      // The Python example runs under the agent with its own ZooKeeper identity (the tree is closed) and NATS creds.
      const echoed = await msec(['call', 'Echo.mod_python', 'echo.echo_service.echo', '{"message":"hi"}'], env);
      assert.equal(echoed.code, 0, `msec call Echo.mod_python failed:\n${echoed.stdout}\n${echoed.stderr}`);
      assert.match(echoed.stdout, /"message": "hi"/);
      const greeted = await msec(['call', 'Echo.mod_python', 'echo.echo_service.greet', '{"name":"bison","password":"123456"}'], env);
      assert.equal(greeted.code, 0, `msec call Echo.mod_python greet failed:\n${greeted.stdout}\n${greeted.stderr}`);
      assert.match(greeted.stdout, /"passwordOk": true/, 'Echo.mod_python reached User.mod_user by name');
    }

    // NATS needs credentials: an anonymous client is refused, every component has its own identity in private files.
    await assert.rejects(connect({ servers: state.natsUrl, reconnect: false, timeout: 3000 }), /Authorization Violation/i);
    assert.equal(statSync(join(home, 'secrets', 'nats')).mode & 0o777, 0o700);
    for (const identity of ['registry', 'deploy', 'gateway', 'admin'])
      assert.equal(statSync(join(home, 'secrets', 'nats', `${identity}.creds`)).mode & 0o777, 0o600, `${identity}.creds`);
    const monitor = state.components.find((c) => c.name === 'monitor')!;
    process.kill(monitor.pid, 'SIGKILL');
    let restarted: RunState['components'][number] | undefined;
    for (let i = 0; i < 100 && !restarted; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = JSON.parse(readFileSync(join(home, 'run', 'state.json'), 'utf8')) as RunState;
      restarted = now.components.find((c) => c.name === 'monitor' && c.pid !== monitor.pid && c.restarts === 1);
    }
    assert.ok(restarted, 'the launcher did not restart the killed monitor service');
    let healthy = false;
    for (let i = 0; i < 30 && !healthy; i += 1) {
      const again = await msec(['status'], env);
      healthy = again.code === 0 && /^monitor\s+\d+\s+\S+\s+1\s+healthy/m.test(again.stdout);
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.ok(healthy, 'the restarted monitor never reported healthy');

    const final = JSON.parse(readFileSync(join(home, 'run', 'state.json'), 'utf8')) as RunState;
    const pids = [final.launcherPid, ...final.components.map((c) => c.pid)];
    const downResult = await msec(['down'], env);
    assert.equal(downResult.code, 0);
    assert.deepEqual(pids.filter(alive), [], 'processes still running after down');
    assert.equal(existsSync(join(home, 'run', 'state.json')), false);
  });

  describe('refusals', () => {
    let blocker: Server;
    let takenPort: number;
    before(async () => {
      takenPort = await freePort();
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(takenPort, '127.0.0.1', resolve));
    });
    after(() => blocker.close());

    it('launcher - a console port already taken is refused by name and nothing is started', async () => {
      const home = newHome();
      after(() => rmSync(home, { recursive: true, force: true }));
      const result = await msec(['up', '-d'], { MSEC_HOME: home, MSEC_HTTP_PORT: String(takenPort) });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, new RegExp(`console port 127\\.0\\.0\\.1:${takenPort} is already in use`));
      assert.match(result.stderr, /MSEC_HTTP_PORT/);
      assert.equal(existsSync(join(home, 'run', 'state.json')), false, 'a state file was left behind');
      assert.equal(existsSync(join(home, 'infra', 'nats')), false, 'infra was started anyway');
    });
  });

  it('launcher - a bad config value and an unknown key are each named, and nothing is started', async () => {
    const home = newHome();
    after(() => rmSync(home, { recursive: true, force: true }));
    const configFile = join(home, 'msec.config.json');
    writeFileSync(configFile, JSON.stringify({ httpPort: 'eighty', natsURL: 'nats://x:1' }));
    const result = await msec(['up', '--config', configFile], { MSEC_HOME: home });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /CONFIG_INVALID/);
    assert.match(result.stderr, /httpPort: expected a whole number, got "eighty"/);
    assert.match(result.stderr, /natsURL: unknown key/);
    assert.equal(existsSync(join(home, 'infra')), false);
  });

  it('launcher - a missing server binary without permission to install names the apt-get command', async () => {
    const home = newHome();
    const emptyBin = join(home, 'empty-bin');
    mkdirSync(emptyBin);
    after(() => rmSync(home, { recursive: true, force: true }));
    const result = await msec(['up', '-d'], {
      MSEC_HOME: home,
      MSEC_BIN_PATH: emptyBin,
      MSEC_AUTO_INSTALL: 'false',
      MSEC_HTTP_PORT: String(await freePort()),
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /missing nats-server \(message bus\), zookeeper \(service routes\), redis-server/);
    assert.match(result.stderr, /apt-get install -y nats-server zookeeper redis-server/);
    assert.equal(existsSync(join(home, 'run', 'state.json')), false);
  });
});
