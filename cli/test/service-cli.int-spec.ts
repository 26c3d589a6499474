import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Component, Subjects, type HealthReport, NatsRole } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { freePort, startNats, startZooKeeper, TEMP_DIR_PREFIX, type InfraServer, type NatsTestServer } from '@msec/testing';
import type { CliIo } from '../src/api/cli-io.js';
import { credentialsFile, readCredentials } from '../src/api/credentials.js';
import { parseArgs } from '../src/cli-args.js';
import { login, LOGIN_BOOLEAN_FLAGS, logout } from '../src/commands/login.js';
import { service, SERVICE_BOOLEAN_FLAGS } from '../src/commands/service.js';
import { traffic, TRAFFIC_BOOLEAN_FLAGS } from '../src/commands/traffic.js';
import { startProcess, stopProcess, waitFor } from './helpers/platform-processes.js';

/** Output and input of one CLI command run in this process. */
function io(env: NodeJS.ProcessEnv, stdin = ''): CliIo & { lines: string[]; errors: string } {
  const state = { lines: [] as string[], errors: '' };
  return Object.assign(state, {
    env,
    out: (line: string) => void state.lines.push(line),
    err: (text: string) => void (state.errors += text),
    stdin: Readable.from([stdin]),
  });
}

/** argv as the dispatcher parses it, e.g. `msec('service', 'list', '--json')`. */
const argv = (...words: string[]) =>
  parseArgs(words, new Set(['help', ...SERVICE_BOOLEAN_FLAGS, ...LOGIN_BOOLEAN_FLAGS, ...TRAFFIC_BOOLEAN_FLAGS]));

describe('cli service', () => {
  let nats: NatsTestServer;
  let zk: InfraServer;
  let gateway: ChildProcess;
  let registry: ChildProcess;
  let root: string;
  let url: string;
  let env: NodeJS.ProcessEnv;
  const config = { homeDir: '' };

  before(async () => {
    [nats, zk] = await Promise.all([startNats(), startZooKeeper()]);
    root = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}cli-api-`));
    for (const dir of ['gateway', 'registry', 'home', 'msec-home']) mkdirSync(join(root, dir));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    config.homeDir = join(root, 'msec-home');
    gateway = startProcess('services/gateway/dist/src/main.js', {
      ...(await nats.envFor(NatsRole.gateway)),
      MSEC_DATA_DIR: join(root, 'gateway'),
      MSEC_HTTP_HOST: '127.0.0.1',
      MSEC_HTTP_PORT: String(port),
    });
    registry = startProcess('services/registry/dist/src/main.js', {
      ...(await nats.envFor(NatsRole.registry)),
      MSEC_ZK_CONNECT: zk.url,
      MSEC_DATA_DIR: join(root, 'registry'),
    });
    await waitFor('gateway', async () => (await fetch(`${url}/api/v1/health`)).ok);
    const probe = await nats.connect();
    await waitFor('registry', async () => (await natsRequest<HealthReport>(probe, Subjects.health(Component.registry), {}, 1000)).ready);
    await probe.close();
    // The CLI finds the API the way it does after ./msec up: through the running stack's state file.
    mkdirSync(join(config.homeDir, 'run'));
    writeFileSync(join(config.homeDir, 'run', 'state.json'), JSON.stringify({ consoleUrl: url }));
    env = { HOME: join(root, 'home'), PATH: process.env.PATH };
  });
  after(async () => {
    await Promise.all([stopProcess(gateway), stopProcess(registry)]);
    await Promise.all([nats?.dispose(), zk?.dispose()]);
    rmSync(root, { recursive: true, force: true });
  });

  it('cli - login refuses a one-time password without a new one, then logs in with a password and stores the token 0600', async () => {
    const initial = readFileSync(join(root, 'gateway', 'initial-admin-password'), 'utf8').trim();
    await assert.rejects(login(config, argv('login'), io({ ...env, MSEC_PASSWORD: initial })), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CLI_PASSWORD_CHANGE_REQUIRED');
      assert.match(error.message, /MSEC_NEW_PASSWORD/);
      return true;
    });
    await assert.rejects(login(config, argv('login'), io(env, 'not-the-password\n')), /GATEWAY_BAD_CREDENTIALS|wrong username or password/);

    const first = io({ ...env, MSEC_NEW_PASSWORD: 'admin-password-1' }, `${initial}\n`);
    assert.equal(await login(config, argv('login', '--user', 'admin'), first), 0);
    assert.match(first.lines.join('\n'), new RegExp(`Logged in to ${url} as admin \\(admin\\)`));

    const file = credentialsFile(env);
    assert.equal(file, join(root, 'home', '.config', 'msec', 'credentials.json'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const stored = readCredentials(file)!;
    assert.match(stored.token, /^msec_/);
    assert.match(stored.tokenName, /^msec-cli@/);
    const me = await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${stored.token}` } });
    assert.equal(((await me.json()) as { via: string }).via, 'token');

    // Logging in again replaces the token and revokes the old one.
    assert.equal(await login(config, argv('login'), io({ ...env, MSEC_PASSWORD: 'admin-password-1' })), 0);
    const again = readCredentials(file)!;
    assert.notEqual(again.token, stored.token);
    assert.equal((await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${stored.token}` } })).status, 401);
  });

  it('cli - service create, scale-out, list and show go through the REST API and print tables', async () => {
    const created = io(env);
    assert.equal(await service(config, argv('service', 'create', 'Flight.mod_flight', '--memo', 'flight query'), created), 0);
    assert.match(created.lines.join('\n'), /Created Flight\.mod_flight\./);

    const out = io(env);
    assert.equal(await service(config, argv('service', 'scale-out', 'Flight.mod_flight', '127.0.0.1:8090', '127.0.0.1:8091'), out), 0);
    const shown = out.lines.join('\n');
    assert.match(shown, /INSTANCE\s+WEIGHT\s+ROUTING\s+LIVE/);
    assert.match(shown, /127\.0\.0\.1:8090\s+1000\s+enabled\s+down/);

    await service(config, argv('service', 'scale-in', 'Flight.mod_flight', '127.0.0.1:8091'), io(env));
    await service(config, argv('service', 'weight', 'Flight.mod_flight', '127.0.0.1:8090', '2500'), io(env));

    const list = io(env);
    assert.equal(await service(config, argv('service', 'list'), list), 0);
    const rows = list.lines.join('\n').split('\n');
    assert.match(rows[0]!, /^NAME\s+KIND\s+PROTOCOL\s+SERVING\s+LIVE\s+MEMO$/);
    assert.match(rows[1]!, /^Flight\.mod_flight\s+standard\s+msec\s+1\/2\s+0\s+flight query$/);

    const json = io(env);
    await service(config, argv('service', 'show', 'Flight.mod_flight', '--json'), json);
    const view = JSON.parse(json.lines.join('\n')) as { instances: { port: number; weight: number; enabled: boolean }[] };
    assert.deepEqual(
      view.instances.map((i) => [i.port, i.weight, i.enabled]),
      [
        [8090, 2500, true],
        [8091, 1000, false],
      ],
    );
  });

  it('cli - limit set, ls and rm, and breaker set and reset, change the service traffic policy', async () => {
    const set = io(env);
    assert.equal(await traffic(config, argv('limit', 'set', 'Flight.mod_flight', 'flight.Flight.Query', '--qps', '200'), set), 0);
    assert.match(set.lines.join('\n'), /flight\.Flight\.Query\s+200\s+200/);
    await traffic(config, argv('breaker', 'set', 'Flight.mod_flight', 'errorRatio=0.5', 'openMs=5000'), io(env));
    const cluster = io(env);
    await traffic(config, argv('limit', 'set', 'Flight.mod_flight', '*', '--qps', '1000', '--cluster'), cluster);
    assert.match(cluster.lines.join('\n'), /\*\s+1000\s+1000\s+the service/);
    await traffic(config, argv('limit', 'rm', 'Flight.mod_flight', '*'), io(env));
    const ls = io(env);
    await traffic(config, argv('limit', 'ls', 'Flight.mod_flight'), ls);
    assert.match(ls.lines.join('\n'), /last changed by admin/);
    assert.match(ls.lines.join('\n'), /Breaker settings of its callers: errorRatio=0\.5 openMs=5000/);
    await assert.rejects(
      traffic(config, argv('limit', 'set', 'Flight.mod_flight', 'flight.Flight.Query', '--qps', 'many'), io(env)),
      (e: Error & { data?: { field?: string } }) => /qps/.test(e.message),
    );
    await assert.rejects(traffic(config, argv('breaker', 'set', 'Flight.mod_flight', 'errorRatio=2'), io(env)), /errorRatio/);
    await traffic(config, argv('limit', 'rm', 'Flight.mod_flight', 'flight.Flight.Query'), io(env));
    const reset = io(env);
    await traffic(config, argv('breaker', 'reset', 'Flight.mod_flight'), reset);
    assert.match(reset.lines.join('\n'), /No rate limits\.[\s\S]*callers: defaults/);
  });

  it('cli - bad input is refused naming the field, and logout revokes the token', async () => {
    await assert.rejects(
      service(config, argv('service', 'create', 'flight'), io(env)),
      (error: Error & { code?: string; data?: { field?: string } }) => {
        assert.equal(error.code, 'VALIDATION_FAILED');
        assert.equal(error.data?.field, 'body.name');
        return true;
      },
    );
    await assert.rejects(
      service(config, argv('service', 'scale-out', 'Flight.mod_flight', '127.0.0.1:70000'), io(env)),
      /body\.instances\.0\.port/,
    );
    await assert.rejects(service(config, argv('service', 'frobnicate'), io(env)), /subcommand: "frobnicate" is not a service subcommand/);

    const token = readCredentials(credentialsFile(env))!.token;
    const out = io(env);
    assert.equal(await logout(config, argv('logout'), out), 0);
    assert.match(out.lines.join('\n'), /revoked/);
    assert.equal((await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    await assert.rejects(service(config, argv('service', 'list'), io(env)), /not logged in/);
  });

  it('cli - login --read-only --expires-days stores a token that reads but cannot change, and logout still revokes it', async () => {
    const password = { ...env, MSEC_PASSWORD: 'admin-password-1' };
    await assert.rejects(login(config, argv('login', '--expires-days', '0'), io(password)), /expires-days: must be a whole number/);
    assert.equal(await login(config, argv('login'), io(password)), 0);
    const readWrite = readCredentials(credentialsFile(env))!.token;

    const out = io(password);
    assert.equal(await login(config, argv('login', '--read-only', '--expires-days', '7'), out), 0);
    assert.match(out.lines.join('\n'), /\(read-only, expires \d{4}-\d{2}-\d{2}\)/);
    const readOnly = readCredentials(credentialsFile(env))!.token;
    // The read-write token it replaced is revoked, although the new one could not have done it.
    assert.equal((await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${readWrite}` } })).status, 401);
    const me = (await (await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${readOnly}` } })).json()) as {
      scope: string;
    };
    assert.equal(me.scope, 'read-only');

    const list = io(env);
    assert.equal(await service(config, argv('service', 'list'), list), 0);
    await assert.rejects(service(config, argv('service', 'create', 'Flight.mod_other'), io(env)), /GATEWAY_TOKEN_READ_ONLY|read-only/);

    const bye = io(env);
    assert.equal(await logout(config, argv('logout'), bye), 0);
    assert.match(bye.lines.join('\n'), /revoked/);
    assert.equal((await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${readOnly}` } })).status, 401);
  });
});
