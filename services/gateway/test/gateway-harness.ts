import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { Component, NatsRole } from '@msec/contracts';
import { bootstrapHttpService } from '@msec/platform';
import { freePort, startNats, TEMP_DIR_PREFIX, type NatsTestServer } from '@msec/testing';
import { loadGatewayConfig } from '../src/config/gateway.config.js';
import { GatewayModule } from '../src/gateway.module.js';
import { configureGateway } from '../src/http/configure-gateway.js';

const gatewayDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds the console when its sources changed (the same script `npm run build:web` runs). */
export function buildConsole(): void {
  execFileSync(process.execPath, [join(gatewayDir, 'scripts/build-web.mjs')], { stdio: 'inherit' });
}

/** A gateway running in this process on a free port, with real NATS and SQLite in a temp folder. */
export interface TestGateway {
  baseUrl: string;
  nats: NatsTestServer;
  dataDir: string;
  app: INestApplication;
  /** The first admin's one-time password, read from the file the gateway wrote ('' once changed). */
  initialAdminPassword: string;
  close(): Promise<void>;
}

/**
 * Starts NATS and the gateway module in-process exactly as main.ts does; `env` adds or overrides config variables;
 * `dataDir` starts it over the data of an earlier gateway (and leaves that folder to the caller); `nats` reuses a running
 * server (left running by `close`), e.g. to restart the gateway over the same streams.
 */
export async function startTestGateway(
  options: { env?: NodeJS.ProcessEnv; dataDir?: string; nats?: NatsTestServer } = {},
): Promise<TestGateway> {
  const nats = options.nats ?? (await startNats());
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'msec-gateway-')));
  const port = await freePort();
  const config = loadGatewayConfig({
    ...(await nats.envFor(NatsRole.gateway)),
    MSEC_DATA_DIR: dataDir,
    MSEC_HTTP_PORT: String(port),
    MSEC_HTTP_HOST: '127.0.0.1',
    ...options.env,
  });
  const app = await bootstrapHttpService(GatewayModule.forConfig(config), {
    component: Component.gateway,
    nats: config,
    httpHost: config.httpHost,
    httpPort: config.httpPort,
    configure: (a) => configureGateway(a, config),
  });
  // A gateway started over earlier data has no one-time password left once the admin changed it.
  const initialAdminPassword = (await readFile(join(dataDir, 'initial-admin-password'), 'utf8').catch(() => '')).trim();
  return {
    baseUrl: `http://${config.httpHost}:${port}`,
    nats,
    dataDir,
    app,
    initialAdminPassword,
    async close() {
      await app.close();
      if (!options.nats) await nats.dispose();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** What ApiClient.call returns; tests read arbitrary JSON from the body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiResponse = { status: number; headers: Headers; body: any };

/** A REST client that keeps the session cookie and echoes the CSRF token, or sends a bearer token. */
export class ApiClient {
  private cookies = new Map<string, string>();
  csrf: string | undefined;
  sendCsrf = true;

  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  /** One call; returns status, headers and parsed JSON body. */
  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrf && this.sendCsrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = (pair ?? '').split('=');
      if (k && v !== undefined) {
        if (v === '') this.cookies.delete(k);
        else this.cookies.set(k, v);
      }
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  /** The session cookie's value (for a raw fetch as this user), or undefined before login. */
  sessionCookie(): string | undefined {
    return this.cookies.get('msec_session');
  }

  /** Logs in; throws unless it worked. */
  async login(username: string, password: string): Promise<void> {
    const r = await this.call('POST', '/api/v1/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
    this.csrf = r.body.csrfToken;
  }
}

/** Logs in as admin with the one-time password and sets `password`; returns the admin client. */
export async function adminClient(gw: TestGateway, password = 'admin-password-1'): Promise<ApiClient> {
  const admin = new ApiClient(gw.baseUrl);
  await admin.login('admin', gw.initialAdminPassword);
  const r = await admin.call('POST', '/api/v1/auth/password', { currentPassword: gw.initialAdminPassword, newPassword: password });
  if (r.status !== 200) throw new Error(`password change: ${r.status} ${JSON.stringify(r.body)}`);
  return admin;
}

/** Creates a user as admin and returns a client logged in as them with their one-time password changed. */
export async function userClient(gw: TestGateway, admin: ApiClient, username: string, role: string): Promise<ApiClient> {
  const first = `${username}-first-pass`;
  const created = await admin.call('POST', '/api/v1/users', { username, password: first, role });
  if (created.status !== 201) throw new Error(`create ${username}: ${created.status} ${JSON.stringify(created.body)}`);
  const client = new ApiClient(gw.baseUrl);
  await client.login(username, first);
  await client.call('POST', '/api/v1/auth/password', { currentPassword: first, newPassword: `${username}-password-2` });
  return client;
}

/** A Node program of ours (a service's or the agent's `main.js`) run as its own process. */
export interface NodeProcess {
  child: ChildProcess;
  /** Everything it printed so far (for failure messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts `node <main> [args]` with the given environment added to this process's, keeping its output. */
export function startNodeProcess(main: string, env: NodeJS.ProcessEnv, args: string[] = []): NodeProcess {
  let output = '';
  const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A platform service run as its own process, as `./msec up` runs it, with its data in a temporary folder. */
export interface ServiceProcess extends NodeProcess {
  dataDir: string;
}

/** Starts `services/<service>/dist/src/main.js` with MSEC_DATA_DIR set to a fresh folder and the given environment. */
export async function startServiceProcess(service: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), `${TEMP_DIR_PREFIX}${service}-`));
  const proc = startNodeProcess(resolve(gatewayDir, '..', service, 'dist', 'src', 'main.js'), { MSEC_DATA_DIR: dataDir, ...env });
  return {
    ...proc,
    dataDir,
    async stop() {
      await proc.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns something, or fails with the last error after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 150): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((t) => setTimeout(t, intervalMs));
  }
}
