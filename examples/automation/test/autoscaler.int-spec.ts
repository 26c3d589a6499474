import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { Component, MonitorSubjects, NatsRole, Subjects, type HealthReport, type ServiceView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { MonitorReporter } from '@msec/sdk';
import { freePort, startNats, startZooKeeper, TEMP_DIR_PREFIX, type InfraServer, type NatsTestServer } from '@msec/testing';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const SERVICE = 'Shop.cart';
const SERVING = '127.0.0.1:7101';
const STANDBY = '127.0.0.1:7102';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await check().catch((error: unknown) => void (last = error));
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await sleep(150);
  }
}

describe('automation example', () => {
  let nats: NatsTestServer;
  let zk: InfraServer;
  let nc: NatsConnection;
  let dir: string;
  let apiUrl: string;
  let token: string;
  const children: ChildProcess[] = [];
  const autoscalerOutput: string[] = [];

  /** Runs one of our programs as its own process, the way `./msec up` does. */
  const run = (script: string, env: Record<string, string>, onLine?: (line: string) => void): ChildProcess => {
    const child = spawn(process.execPath, [join(REPO, script)], {
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', onLine ? 'pipe' : 'ignore', 'inherit'],
    });
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(onLine!));
    children.push(child);
    return child;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads arbitrary JSON
  const rest = async (method: string, path: string, body?: unknown, auth?: string): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const enabled = async (): Promise<string[]> =>
    ((await rest('GET', `/api/v1/services/${SERVICE}`, undefined, token)).body as ServiceView).instances
      .filter((i) => i.enabled)
      .map((i) => `${i.ip}:${i.port}`);

  before(async () => {
    [nats, zk] = await Promise.all([startNats(), startZooKeeper()]);
    nc = await nats.connect();
    dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}automation-`));
    const platform = async (role: NatsRole, sub: string): Promise<Record<string, string>> => ({
      ...(await nats.envFor(role)),
      MSEC_ZK_CONNECT: zk.url,
      MSEC_DATA_DIR: join(dir, sub),
    });
    run('services/registry/dist/src/main.js', await platform(NatsRole.registry, 'registry'));
    run('services/monitor/dist/src/main.js', {
      ...(await platform(NatsRole.monitor, 'monitor')),
      // Alarms are judged when the test asks, for minutes it constructed.
      MSEC_MONITOR_ALARM_INTERVAL_MS: '0',
      MSEC_MONITOR_ALARM_GRACE_MS: '0',
    });
    // A free port can be taken by a parallel test before the gateway binds it: then it exits, and another is tried.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      apiUrl = `http://127.0.0.1:${port}`;
      const gateway = run('services/gateway/dist/src/main.js', {
        ...(await platform(NatsRole.gateway, 'gateway')),
        MSEC_HTTP_PORT: String(port),
        MSEC_HTTP_HOST: '127.0.0.1',
      });
      const exited = new Promise<'exited'>((resolve) => gateway.once('exit', () => resolve('exited')));
      const listening = eventually('the gateway listening', () =>
        fetch(`${apiUrl}/api/v1/auth/me`).then(
          () => 'listening' as const,
          () => undefined,
        ),
      ).catch(() => 'silent' as const);
      const outcome = await Promise.race([exited, listening]);
      if (outcome === 'listening') break;
      if (outcome === 'silent') throw new Error('the gateway neither listened nor exited within 20 s');
      if (attempt === 3) throw new Error('the gateway did not start on any of three ports');
    }
    for (const component of [Component.registry, Component.monitor, Component.gateway]) {
      await eventually(`${component} ready`, async () =>
        (await natsRequest<HealthReport>(nc, Subjects.health(component), {}, 1000)).ready ? true : undefined,
      );
    }
    // The admin's one-time password, changed at first login as a person would; then an API token for the automation.
    const initial = await eventually('the initial admin password', async () => {
      try {
        return readFileSync(join(dir, 'gateway', 'initial-admin-password'), 'utf8').trim() || undefined;
      } catch {
        return undefined;
      }
    });
    const session = async (password: string): Promise<Record<string, string>> => {
      const login = await fetch(`${apiUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      return { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    };
    await fetch(`${apiUrl}/api/v1/auth/password`, {
      method: 'POST',
      headers: await session(initial),
      body: JSON.stringify({ currentPassword: initial, newPassword: 'admin-password-1' }),
    });
    const created = await fetch(`${apiUrl}/api/v1/tokens`, {
      method: 'POST',
      headers: await session('admin-password-1'),
      body: JSON.stringify({ name: 'autoscaler' }),
    });
    token = ((await created.json()) as { token: string }).token;
    assert.ok(token, 'an API token');
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await nc?.close();
    await Promise.all([nats?.dispose(), zk?.dispose()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('automation - a latency alarm scales the service out by one instance through the REST API, and its recovery scales it back in', async () => {
    assert.equal((await rest('POST', '/api/v1/services', { name: SERVICE }, token)).status, 201);
    await rest('POST', `/api/v1/services/${SERVICE}/scale-out`, { instances: [SERVING] }, token);
    const rule = await rest('POST', '/api/v1/alarm-rules', { service: SERVICE, attr: 'latency_ms', type: 'max', threshold: 200 }, token);
    assert.equal(rule.status, 201, JSON.stringify(rule.body));

    run(
      'examples/automation/dist/src/main.js',
      {
        ...(await nats.envFor(NatsRole.service, 'Ops.autoscaler')),
        MSEC_SERVICE: 'Ops.autoscaler',
        MSEC_DATA_DIR: join(dir, 'autoscaler'),
        MSEC_API_URL: apiUrl,
        MSEC_API_TOKEN: token,
        AUTOSCALE_STANDBY: `${SERVICE}=${STANDBY}`,
      },
      (line) => autoscalerOutput.push(line),
    );
    await eventually('the autoscaler listening', async () => (autoscalerOutput.some((l) => l.includes('listening')) ? true : undefined));

    // The service reports its latency: slow in minute M, fast again in M+1 (past minutes, judged on request).
    const M = Math.floor(Date.now() / 60_000) - 5;
    let clock = 0;
    const reporterNc = await nats.connectAs(NatsRole.service, SERVICE);
    const reporter = new MonitorReporter({
      nc: reporterNc,
      service: SERVICE,
      host: '127.0.0.1',
      flushIntervalMs: 60_000,
      now: () => clock,
    });
    clock = M * 60_000 + 1_000;
    reporter.set('latency_ms', 480);
    clock = (M + 1) * 60_000 + 1_000;
    reporter.set('latency_ms', 40);
    await reporter.close();
    await reporterNc.close();
    const judge = (minute: number) => natsRequest(nc, MonitorSubjects.alarmsEvaluate, { atMs: (minute + 1) * 60_000 + 500 }, 5_000);
    await eventually('the slow minute stored', async () => {
      await judge(M);
      const active = await natsRequest<unknown[]>(nc, MonitorSubjects.alarmsList, { service: SERVICE });
      return active.length === 1 ? true : undefined;
    });
    await eventually('scaled out to the standby instance', async () =>
      (await enabled()).sort().join() === [SERVING, STANDBY].join() ? true : undefined,
    );

    await judge(M + 1);
    await eventually('scaled back in', async () => ((await enabled()).join() === SERVING ? true : undefined));
    assert.ok(
      autoscalerOutput.some((l) => l.includes(`scaled out to ${STANDBY}`)),
      autoscalerOutput.join('\n'),
    );
    await eventually('the autoscaler saying it scaled in', async () =>
      autoscalerOutput.some((l) => l.includes(`scaled in ${STANDBY}`)) ? true : undefined,
    );
  });
});
