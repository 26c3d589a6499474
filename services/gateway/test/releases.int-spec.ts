import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { NatsRole } from '@msec/contracts';
import { freePort, startRedis, type InfraServer } from '@msec/testing';
import { launchBrowser, screenshot, type TestBrowser, signIn } from './browser.js';
import {
  ApiClient,
  adminClient,
  buildConsole,
  eventually,
  startNodeProcess,
  startTestGateway,
  userClient,
  type NodeProcess,
  type TestGateway,
} from './gateway-harness.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DEPLOY_MAIN = join(repo, 'services/deploy/dist/src/main.js');
const AGENT_MAIN = join(repo, 'agent/dist/src/main.js');
const CLI_MAIN = join(repo, 'cli/dist/src/main.js');
const HOST = { hostId: 'gw-h1', ip: '127.0.0.31' };

const SERVER = `
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const creds = process.env.MSEC_NATS_CREDS ? readFileSync(process.env.MSEC_NATS_CREDS, 'utf8') : '';
const config = process.env.MSEC_CONFIG_FILE ? readFileSync(process.env.MSEC_CONFIG_FILE, 'utf8') : '';
const server = createServer((req, res) => res.end(JSON.stringify({ service: process.env.MSEC_SERVICE, version: VERSION, config, hasNatsCreds: creds.includes('NATS USER JWT') })));
server.listen(Number(process.env.MSEC_PORT), process.env.MSEC_HOST || '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** A tar.gz with manifest.json and a tiny HTTP server as its entry. */
function buildPackage(name: string, version: string, padBytes = 0): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'msec-gw-pkg-'));
  try {
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root', 'manifest.json'), JSON.stringify({ name, version, entry: 'server.mjs' }));
    writeFileSync(join(dir, 'root', 'server.mjs'), SERVER.replace('VERSION', JSON.stringify(version)));
    // Random bytes do not compress, so the tarball really is this large.
    if (padBytes > 0) writeFileSync(join(dir, 'root', 'pad.bin'), randomBytes(padBytes));
    execFileSync('tar', ['-czf', join(dir, 'pkg.tgz'), '-C', join(dir, 'root'), '.']);
    return readFileSync(join(dir, 'pkg.tgz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A package upload's reply: the package, or the error. */
interface UploadReply {
  name?: string;
  version?: string;
  error?: { code: string; message: string; field?: string };
}

async function rawUpload(client: ApiClient, bytes: Buffer, query: string): Promise<{ status: number; body: UploadReply }> {
  const res = await fetch(`${client.baseUrl}/api/v1/packages${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${client.token}` },
    body: bytes,
  });
  return { status: res.status, body: (await res.json()) as UploadReply };
}

async function login(page: Page, username: string, password: string): Promise<void> {
  await signIn(page, username, password);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}

describe('gateway releases', () => {
  let gw: TestGateway;
  let redis: InfraServer;
  let dir: string;
  let deploy: NodeProcess;
  let agent: NodeProcess;
  let enrolled: NodeProcess | undefined;
  let packaged: ChildProcess | undefined;
  let admin: ApiClient;
  let dev: ApiClient;
  let devToken: ApiClient;
  let viewer: ApiClient;
  let browser: TestBrowser;
  let port: number;
  let planId: string;

  before(async () => {
    buildConsole();
    // NATS requires credentials here: gateway, deploy and agent each connect as their own identity.
    [gw, redis] = await Promise.all([startTestGateway(), startRedis()]);
    dir = mkdtempSync(join(tmpdir(), 'msec-gw-rel-'));
    deploy = startNodeProcess(DEPLOY_MAIN, {
      ...(await gw.nats.envFor(NatsRole.deploy)),
      MSEC_REDIS_URL: redis.url,
      MSEC_DATA_DIR: join(dir, 'data'),
      MSEC_DB_URL: '',
      MSEC_PACKAGE_MAX_BYTES: String(4 * 1024 * 1024),
    });
    admin = await adminClient(gw);
    dev = await userClient(gw, admin, 'dora', 'developer');
    viewer = await userClient(gw, admin, 'vic', 'viewer');
    const token = await dev.call('POST', '/api/v1/tokens', { name: 'ci', expiresInDays: 1 });
    devToken = new ApiClient(gw.baseUrl, token.body.token as string);
    await eventually(`deploy answers (${deploy.output()})`, async () =>
      (await admin.call('GET', '/api/v1/hosts')).status === 200 ? true : undefined,
    );
    mkdirSync(join(dir, 'agent'), { recursive: true });
    agent = startNodeProcess(AGENT_MAIN, {
      ...(await gw.nats.envFor(NatsRole.agent, HOST.hostId)),
      MSEC_HOST_ID: HOST.hostId,
      MSEC_HOST_IP: HOST.ip,
      MSEC_CONSOLE_KEY: join(dir, 'data', 'keys', 'console.pub'),
      MSEC_AGENT_DIR: join(dir, 'agent'),
      MSEC_AGENT_HEARTBEAT_MS: '300',
    });
    await eventually('agent up', async () => {
      const r = await viewer.call('GET', '/api/v1/hosts');
      return r.body.items?.some((h: { hostId: string; status: string }) => h.hostId === HOST.hostId && h.status === 'up')
        ? true
        : undefined;
    });
    port = await freePort();
    browser = await launchBrowser({ baseURL: gw.baseUrl });
  });

  after(async () => {
    await browser?.close();
    await enrolled?.stop();
    packaged?.kill('SIGKILL');
    await agent?.stop();
    await deploy?.stop();
    await gw?.close();
    await redis?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('releases - a package uploaded raw, config and IDL versions, and a release through REST that succeeds', async () => {
    const up = await rawUpload(devToken, buildPackage('echo-svc', '1.0.0'), '?name=echo-svc&version=1.0.0');
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const bytes = buildPackage('echo-svc', '1.1.0');
    const json = await dev.call('POST', '/api/v1/packages', { contentBase64: bytes.toString('base64') });
    assert.equal(json.status, 201, JSON.stringify(json.body));
    assert.equal(json.body.version, '1.1.0');
    const packages = await viewer.call('GET', '/api/v1/packages?name=echo-svc');
    assert.deepEqual(
      packages.body.items.map((p: { version: string }) => p.version),
      ['1.1.0', '1.0.0'],
    );

    for (const [tag, content] of [
      ['c1', 'threads=4\n'],
      ['c2', 'threads=8\n'],
    ])
      assert.equal((await dev.call('POST', '/api/v1/configs', { service: 'Demo.echo', tag, content })).status, 201);
    const diff = await viewer.call('GET', '/api/v1/configs/diff?service=Demo.echo&from=c1&to=c2');
    assert.match(diff.body.diff, /-threads=4\n\+threads=8/);
    const back = await dev.call('POST', '/api/v1/configs/rollback', { service: 'Demo.echo', to: 'c1' });
    assert.equal(back.status, 201, JSON.stringify(back.body));
    const configs = await viewer.call('GET', '/api/v1/configs?service=Demo.echo');
    assert.equal(configs.body.items[0].tag, back.body.tag);
    assert.equal(configs.body.items[0].current, true);
    // Publishing live: developers only, the version must exist, and the list says which one is live.
    assert.equal((await viewer.call('POST', '/api/v1/configs/publish', { service: 'Demo.echo', tag: 'c2' })).status, 403);
    const missing = await dev.call('POST', '/api/v1/configs/publish', { service: 'Demo.echo', tag: 'c9' });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    const badTag = await dev.call('POST', '/api/v1/configs/publish', { service: 'Demo.echo' });
    assert.equal(badTag.status, 400);
    assert.equal(badTag.body.error.field, 'body.tag');
    const published = await dev.call('POST', '/api/v1/configs/publish', { service: 'Demo.echo', tag: 'c2' });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    assert.equal(published.body.publishedBy, 'dora');
    const listed = await viewer.call('GET', '/api/v1/configs?service=Demo.echo');
    assert.deepEqual(
      listed.body.items.filter((c: { live: boolean }) => c.live).map((c: { tag: string }) => c.tag),
      ['c2'],
    );
    const configCli = (...words: string[]) =>
      promisify(execFile)(process.execPath, [CLI_MAIN, 'config', ...words, '--url', gw.baseUrl], {
        env: { ...process.env, MSEC_TOKEN: devToken.token! },
      });
    assert.match((await configCli('publish', 'Demo.echo', 'c2')).stdout, /Published config Demo\.echo@c2 live/);
    assert.match((await configCli('list', 'Demo.echo')).stdout, /c2\s+\*\s+\d+/);

    const proto = (field: string) => `syntax = "proto3"; package demo; message Echo { string ${field} = 1; }`;
    assert.equal(
      (await dev.call('POST', '/api/v1/idl', { service: 'Demo.echo', tag: 'v1', files: { 'echo.proto': proto('text') } })).status,
      201,
    );
    assert.equal(
      (await dev.call('POST', '/api/v1/idl', { service: 'Demo.echo', tag: 'v2', files: { 'echo.proto': proto('body') } })).status,
      201,
    );
    const idlDiff = await viewer.call('GET', '/api/v1/idl/diff?service=Demo.echo&from=v1&to=v2');
    assert.equal(idlDiff.body.files[0].change, 'changed');
    const badIdl = await dev.call('POST', '/api/v1/idl', { service: 'Demo.echo', tag: 'v3', files: { 'echo.proto': 'message {' } });
    assert.equal(badIdl.status, 400, JSON.stringify(badIdl.body));

    const created = await dev.call('POST', '/api/v1/releases', {
      service: 'Demo.echo',
      packageName: 'echo-svc',
      packageVersion: '1.1.0',
      configTag: 'c2',
      idlTag: 'v2',
      port,
      hosts: [HOST.hostId],
      strategy: { canary: true, batchSize: 1, stabilizeMs: 300, healthTimeoutMs: 5000 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    planId = created.body.planId;
    const done = await eventually('plan finished', async () => {
      const r = await viewer.call('GET', `/api/v1/releases/${planId}`);
      return ['succeeded', 'failed', 'rolled-back'].includes(r.body.state) ? r.body : undefined;
    });
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    const served = (await (await fetch(`http://${HOST.ip}:${port}/`)).json()) as { version: string; config: string; hasNatsCreds: boolean };
    assert.equal(served.version, '1.1.0');
    assert.equal(served.config, 'threads=8\n');
    assert.equal(served.hasNatsCreds, true, 'the instance was started without its NATS identity (MSEC_NATS_CREDS)');
    const list = await viewer.call('GET', '/api/v1/releases?service=Demo.echo&limit=1');
    assert.equal(list.body.items[0].planId, planId);
  });

  it('releases - a config-only release ships a config version to the running instances, package and port unchanged, in the same kind of plan', async () => {
    // Without a package: the CLI flag and the API field say what is missing; a host that runs no release is refused.
    const noPackage = await dev.call('POST', '/api/v1/releases', { service: 'Demo.echo', hosts: [HOST.hostId], port });
    assert.equal(noPackage.status, 400);
    assert.equal(noPackage.body.error.field, 'body.packageName');
    const other = await dev.call('POST', '/api/v1/releases', { service: 'Demo.other', configTag: 'c1', hosts: [HOST.hostId] });
    assert.equal(other.status, 404, 'no config c1 of Demo.other');
    const created = await promisify(execFile)(
      process.execPath,
      [
        CLI_MAIN,
        'release',
        'create',
        'Demo.echo',
        '--config-tag',
        'c1',
        '--hosts',
        HOST.hostId,
        '--stabilize-ms',
        '300',
        '--url',
        gw.baseUrl,
      ],
      { env: { ...process.env, MSEC_TOKEN: devToken.token! } },
    );
    assert.match(created.stdout, /Demo\.echo → echo-svc@1\.1\.0 on 1 host\(s\)/);
    assert.match(created.stdout, /succeeded on 1 host/);
    const plans = await viewer.call('GET', '/api/v1/releases?service=Demo.echo&limit=1');
    const plan = plans.body.items[0];
    assert.deepEqual([plan.target.packageVersion, plan.target.configTag, plan.target.idlTag, plan.port], ['1.1.0', 'c1', 'v2', port]);
    const served = (await (await fetch(`http://${HOST.ip}:${port}/`)).json()) as { version: string; config: string };
    assert.deepEqual([served.version, served.config], ['1.1.0', 'threads=4\n']);
    // Shown in the plan list like any release, and its rollback would put c2 back: the previous versions are recorded.
    const detail = await viewer.call('GET', `/api/v1/releases/${plan.planId}`);
    assert.equal(detail.body.hosts[0].previous.configTag, 'c2');
  });

  it('capacity - the released instance shows with CPU and memory from its agent, its host and a suggested count with the rule, in REST and ./msec capacity', async () => {
    type Capacity = {
      targetCpuPercent: number;
      services: Array<{
        service: string;
        hosts: string[];
        instances: Array<{ cpuPercent: number | null; rssMb: number | null }>;
        suggestedInstances: number;
        rule: string;
      }>;
    };
    const echo = await eventually('the instance with CPU and memory from two heartbeats', async () => {
      const r = await viewer.call('GET', '/api/v1/capacity?targetCpu=50');
      const found = (r.body as Capacity).services?.find((x) => x.service === 'Demo.echo');
      return found && found.instances[0]?.cpuPercent !== null && (found.instances[0]?.rssMb ?? 0) > 5
        ? { view: r.body as Capacity, found }
        : undefined;
    });
    assert.equal(echo.view.targetCpuPercent, 50);
    assert.deepEqual(echo.found.hosts, [HOST.hostId]);
    assert.equal(echo.found.instances.length, 1);
    assert.equal(echo.found.suggestedInstances, 2, 'an idle service still gets two instances');
    assert.match(echo.found.rule, /^ceil\([\d.]+ % CPU in total \/ 50 % target per instance\) = [01], at least 2 for redundancy$/);
    const bad = await viewer.call('GET', '/api/v1/capacity?targetCpu=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.field, 'query.targetCpu');
    const printed = await promisify(execFile)(
      process.execPath,
      [CLI_MAIN, 'capacity', 'Demo.echo', '--target-cpu', '50', '--url', gw.baseUrl],
      {
        env: { ...process.env, MSEC_TOKEN: devToken.token! },
      },
    );
    assert.match(printed.stdout, /Demo\.echo\s+1\s+1\s/);
    assert.match(printed.stdout, /at least 2 for redundancy/);
  });

  it('releases - bad input is 400 naming the field, an unknown package 404, a 2 MiB package streams in, an oversize one is 413', async () => {
    const base = { service: 'Demo.echo', packageName: 'echo-svc', packageVersion: '1.1.0', port, hosts: [HOST.hostId] };
    const cases: [unknown, string][] = [
      [{ ...base, hosts: [] }, 'body.hosts'],
      [{ ...base, service: 'nodot' }, 'body.service'],
      [{ ...base, strategy: { batchSize: 0 } }, 'body.strategy.batchSize'],
      [{ ...base, port: 70_000 }, 'body.port'],
      [{ ...base, colour: 'red' }, 'body.colour'],
    ];
    for (const [body, field] of cases) {
      const r = await dev.call('POST', '/api/v1/releases', body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.field, field);
    }
    const missing = await dev.call('POST', '/api/v1/releases', { ...base, packageVersion: '9.9.9' });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    const badSha = await dev.call('POST', '/api/v1/packages', { contentBase64: 'aGVsbG8=', sha256: 'abc' });
    assert.equal(badSha.body.error.field, 'body.sha256');
    const notTar = await dev.call('POST', '/api/v1/packages', { contentBase64: 'aGVsbG8=' });
    assert.equal(notTar.status, 400, JSON.stringify(notTar.body));
    const wrongName = await rawUpload(devToken, buildPackage('named-svc', '1.0.0'), '?name=other');
    assert.equal(wrongName.status, 400);
    assert.equal(wrongName.body.error?.field, 'query.name');
    const large = await rawUpload(devToken, buildPackage('large-svc', '1.0.0', 2 * 1024 * 1024), '?name=large-svc');
    assert.equal(large.status, 201, JSON.stringify(large.body));
    const listed = await viewer.call('GET', '/api/v1/packages?name=large-svc');
    assert.ok(listed.body.items[0].size > 2 * 1024 * 1024, JSON.stringify(listed.body));
    const big = await rawUpload(devToken, buildPackage('big-svc', '1.0.0', 5 * 1024 * 1024), '');
    assert.equal(big.status, 413, JSON.stringify(big.body));
    assert.match(big.body.error?.message ?? '', /at most 4194304/);
    const badDiff = await viewer.call('GET', '/api/v1/configs/diff?service=Demo.echo&from=c1');
    assert.equal(badDiff.body.error.field, 'query.to');
  });

  it('releases - viewers read but cannot release; only admins rotate keys and send commands', async () => {
    assert.equal((await viewer.call('GET', '/api/v1/releases')).status, 200);
    assert.equal((await viewer.call('GET', '/api/v1/hosts/audit?limit=5')).status, 200);
    const create = await viewer.call('POST', '/api/v1/releases', { service: 'Demo.echo' });
    assert.equal(create.status, 403);
    assert.equal((await viewer.call('POST', `/api/v1/releases/${planId}/rollback`)).status, 403);
    assert.equal((await dev.call('POST', '/api/v1/keys/rotate', {})).status, 403);
    const cmd = { type: 'exec', args: { argv: ['/bin/echo', 'hi'] } };
    assert.equal((await dev.call('POST', `/api/v1/hosts/${HOST.hostId}/commands`, cmd)).status, 403);
    const ran = await admin.call('POST', `/api/v1/hosts/${HOST.hostId}/commands`, cmd);
    assert.equal(ran.status, 200, JSON.stringify(ran.body));
    assert.equal(ran.body.stdout, 'hi\n');
    const rotated = await admin.call('POST', '/api/v1/keys/rotate', { overlapSeconds: 60 });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.deepEqual(rotated.body.hosts, [{ hostId: HOST.hostId, ok: true, error: null }]);
    const after = await admin.call('POST', `/api/v1/hosts/${HOST.hostId}/commands`, cmd);
    assert.equal(after.status, 200, 'the agent accepts commands signed with the new key');
    const audit = await viewer.call('GET', `/api/v1/hosts/audit?hostId=${HOST.hostId}&limit=50`);
    assert.ok(audit.body.items.some((a: { type: string }) => a.type === 'rotate-key'));
    // The audit names who asked for each command and when it was issued.
    const exec = audit.body.items.find((a: { type: string }) => a.type === 'exec');
    assert.equal(exec?.requestedBy, 'admin (admin)', JSON.stringify(exec));
    assert.equal(typeof exec?.issuedAt, 'number');
  });

  it('releases - ./msec hosts exec, put and get run signed commands and ./msec rebuild deploy replays the plans, as an admin; a developer is refused', async () => {
    const token = (await admin.call('POST', '/api/v1/tokens', { name: 'remote' })).body.token as string;
    // --url before the words: everything after `--` is the remote command.
    const cli = (env: string, ...words: string[]) =>
      promisify(execFile)(process.execPath, [CLI_MAIN, 'hosts', '--url', gw.baseUrl, ...words], {
        env: { ...process.env, MSEC_TOKEN: env },
      });
    const ran = await cli(token, 'exec', HOST.hostId, '--', '/bin/echo', 'from', '--the-cli');
    assert.equal(ran.stdout, 'from --the-cli\n');
    // The command's exit code is the CLI's.
    await assert.rejects(cli(token, 'exec', HOST.hostId, '--', '/bin/false'), (e: { code?: number }) => e.code === 1);
    const local = join(dir, 'note.txt');
    writeFileSync(local, 'hello host\n');
    assert.match((await cli(token, 'put', HOST.hostId, local, 'notes/note.txt')).stdout, /Sent 11 bytes/);
    assert.equal((await cli(token, 'get', HOST.hostId, 'notes/note.txt')).stdout, 'hello host\n');
    await assert.rejects(cli(devToken.token!, 'exec', HOST.hostId, '--', '/bin/echo', 'no'), /403|role|admin/i);
    // ./msec rebuild deploy replays deploy's read models (admin only); the plans read the same after it
    const plans = (await admin.call('GET', '/api/v1/releases')).body.items as unknown[];
    const rebuild = (t: string) =>
      promisify(execFile)(process.execPath, [CLI_MAIN, 'rebuild', 'deploy', '--url', gw.baseUrl], {
        env: { ...process.env, MSEC_TOKEN: t },
      });
    await assert.rejects(rebuild(devToken.token!), /403|role|admin/i);
    assert.match((await rebuild(token)).stdout, new RegExp(`deploy rebuilt from its events: ${plans.length} releases, `));
    assert.deepEqual((await admin.call('GET', '/api/v1/releases')).body.items, plans);
    const audit = await viewer.call('GET', `/api/v1/hosts/audit?hostId=${HOST.hostId}&limit=20`);
    assert.ok(
      audit.body.items.some((a: { type: string }) => a.type === 'put-file'),
      'file transfers are audited',
    );
  });

  it('releases - console: Hosts lists the agent as up; Releases shows the plan at 100 %; Capacity shows the service; viewers get no buttons', async () => {
    const page = await browser.newPage();
    await login(page, 'dora', 'dora-password-2');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Hosts', exact: true }).click();
    const row = page.getByTestId(`host-${HOST.hostId}`);
    await row.getByText('up', { exact: true }).waitFor();
    await screenshot(page, 'hosts');
    await nav.getByRole('link', { name: 'Releases', exact: true }).click();
    await page.getByTestId(`plan-${planId}`).click();
    const bar = page.getByTestId('plan-progress');
    await bar.waitFor();
    assert.equal(await bar.getAttribute('aria-valuenow'), '100');
    await page.getByTestId('plan-detail').getByText('succeeded').first().waitFor();
    await screenshot(page, 'releases');
    await page.getByRole('tab', { name: 'Configs' }).click();
    await page.getByLabel('Service').fill('Demo.echo');
    await page.getByTestId('config-list').getByRole('cell', { name: 'c2', exact: true }).waitFor();
    await page.getByLabel('From version').selectOption('c1');
    await page.getByLabel('To version').selectOption('c2');
    await page.getByRole('button', { name: 'Show diff' }).click();
    await page.getByTestId('diff').getByText('+threads=8').waitFor();
    // c2 was published live through the API; publishing c1 from the console moves the live badge to it.
    await page.getByRole('button', { name: 'Publish c1 live' }).click();
    await page.getByRole('button', { name: 'Publish c1 live' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Publish c2 live' }).waitFor();
    await screenshot(page, 'releases-configs');
    // Capacity: the released service with its instance, and the suggestion for the target typed in.
    await nav.getByRole('link', { name: 'Capacity', exact: true }).click();
    const capacity = page.getByTestId('capacity-Demo.echo');
    await capacity.getByText(`${HOST.hostId}`).waitFor();
    await page.getByLabel('Target CPU per instance').fill('40');
    await capacity.getByText(/40 % target per instance/).waitFor();
    await capacity.getByTestId('capacity-summary-Demo.echo').getByText('suggested 2').waitFor();
    await screenshot(page, 'capacity');
    await page.close();

    const viewerPage = await browser.newPage();
    await page.context().clearCookies();
    await login(viewerPage, 'vic', 'vic-password-2');
    await viewerPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Releases', exact: true }).click();
    await viewerPage.getByTestId(`plan-${planId}`).waitFor();
    assert.equal(await viewerPage.getByTestId('mutation-button').count(), 0);
    await viewerPage.close();
  });

  it('releases - a new host joins with a one-time enrolment token: no key copied by hand, the token works once', async () => {
    const newHost = { hostId: 'gw-enrolled', ip: '127.0.0.32' };
    assert.equal((await dev.call('POST', '/api/v1/hosts/enrollments', { hostId: newHost.hostId })).status, 403);
    const bad = await admin.call('POST', '/api/v1/hosts/enrollments', { hostId: 'no spaces', ttlMinutes: 0 });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /body\.hostId/);
    // The admin's CLI creates the token and prints the command for the new host.
    const cliToken = (await admin.call('POST', '/api/v1/tokens', { name: 'enrol' })).body.token as string;
    // Not execFileSync: the gateway runs in this process and must keep answering while the CLI waits.
    const { stdout: printed } = await promisify(execFile)(
      process.execPath,
      [CLI_MAIN, 'hosts', 'enroll', newHost.hostId, '--ttl-minutes', '5', '--url', gw.baseUrl],
      {
        env: { ...process.env, MSEC_TOKEN: cliToken },
        encoding: 'utf8',
      },
    );
    const token = /msec_enroll_[A-Za-z0-9_-]+/.exec(printed)?.[0];
    assert.ok(token, printed);
    assert.match(printed, new RegExp(`./msec agent --enroll ${token} --gateway ${gw.baseUrl}`));

    // The new host has nothing but the token and the console URL.
    const agentDir = join(dir, 'enrolled-agent');
    const enrol = ['agent', '--enroll', token, '--gateway', gw.baseUrl, '--dir', agentDir, '--ip', newHost.ip];
    enrolled = startNodeProcess(CLI_MAIN, { MSEC_AGENT_HEARTBEAT_MS: '300' }, enrol);
    await eventually(`enrolled agent up (${enrolled.output()})`, async () => {
      const r = await viewer.call('GET', '/api/v1/hosts');
      return r.body.items?.some((h: { hostId: string; status: string }) => h.hostId === newHost.hostId && h.status === 'up')
        ? true
        : undefined;
    });
    const creds = join(agentDir, 'enrolment', `agent-${newHost.hostId}.creds`);
    assert.equal(statSync(creds).mode & 0o777, 0o600);
    assert.match(readFileSync(creds, 'utf8'), /NATS USER JWT/);
    const ran = await admin.call('POST', `/api/v1/hosts/${newHost.hostId}/commands`, {
      type: 'exec',
      args: { argv: ['/bin/echo', 'joined'] },
    });
    assert.equal(ran.status, 200, JSON.stringify(ran.body));
    assert.equal(ran.body.stdout, 'joined\n');

    // A supervisor restarting the agent with its first command line (the spent token included) gets the same host back.
    await enrolled.stop();
    enrolled = startNodeProcess(CLI_MAIN, { MSEC_AGENT_HEARTBEAT_MS: '300' }, enrol);
    const restarted = enrolled;
    await eventually(`restarted agent heartbeats (${restarted.output()})`, async () => {
      const r = await viewer.call('GET', '/api/v1/hosts');
      const host = r.body.items?.find((h: { hostId: string }) => h.hostId === newHost.hostId);
      return host?.status === 'up' && host.lastSeenAt > Date.now() - 1000 && /listening on NATS/.test(restarted.output())
        ? true
        : undefined;
    });
    assert.doesNotMatch(restarted.output(), /refused the token/);

    // Used once: a second redemption is refused, and the list shows when and from where it was used.
    const again = await new ApiClient(gw.baseUrl).call('POST', '/api/v1/hosts/enroll', { token });
    assert.equal(again.status, 403);
    assert.equal(again.body.error?.code, 'DEPLOY_ENROLL_TOKEN_INVALID', JSON.stringify(again.body));
    const listed = await admin.call('GET', '/api/v1/hosts/enrollments');
    const used = listed.body.items.find((e: { hostId: string }) => e.hostId === newHost.hostId);
    assert.equal(typeof used?.redeemedAt, 'number', JSON.stringify(listed.body));
    assert.ok(used?.redeemedFrom, 'the address the token was used from is kept');
    assert.ok(!JSON.stringify(listed.body).includes(token), 'the secret is never listed');

    // A cancelled token cannot be used.
    const spare = await admin.call('POST', '/api/v1/hosts/enrollments', { hostId: 'gw-spare' });
    assert.equal(spare.status, 201, JSON.stringify(spare.body));
    assert.equal((await admin.call('DELETE', `/api/v1/hosts/enrollments/${spare.body.id}`)).status, 200);
    assert.equal((await new ApiClient(gw.baseUrl).call('POST', '/api/v1/hosts/enroll', { token: spare.body.token })).status, 403);

    // The console gives admins the same: a token and the command to run on the new host.
    const page = await browser.newPage();
    await page.context().clearCookies();
    await login(page, 'admin', 'admin-password-1');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hosts', exact: true }).click();
    const card = page.getByTestId('enroll');
    await card.getByLabel('Host id').fill('gw-console-host');
    await card.getByRole('button', { name: 'Create token' }).click();
    await page
      .getByTestId('new-enrollment')
      .getByText(/\.\/msec agent --enroll msec_enroll_/)
      .waitFor();
    await card.getByRole('cell', { name: 'gw-console-host' }).waitFor();
    await screenshot(page, 'hosts-enroll');
    // And runs a command on a host from the same page.
    const remote = page.getByTestId('remote-command');
    await remote.getByLabel('Host').selectOption(HOST.hostId);
    await remote.getByLabel('Command').fill('/bin/echo "from the console"');
    await remote.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('remote-output').getByText('from the console', { exact: true }).waitFor();
    await screenshot(page, 'hosts-command');
    await page.close();
  });

  it('releases - the packaged agent (./msec package agent) unpacked outside the repository joins with a token and runs a released instance', async () => {
    const host = { hostId: 'gw-packaged', ip: '127.0.0.33' };
    const archive = join(dir, 'msec-agent.tar.gz');
    await promisify(execFile)(process.execPath, [CLI_MAIN, 'package', 'agent', '--out', archive]);
    // Only the archive and Node: a folder away from this checkout, so nothing resolves from its node_modules.
    const hostDir = mkdtempSync(join(tmpdir(), 'msec-test-packaged-host-'));
    execFileSync('tar', ['-xzf', archive, '-C', hostDir]);
    const token = (await admin.call('POST', '/api/v1/hosts/enrollments', { hostId: host.hostId })).body.token as string;
    let output = '';
    packaged = spawn(join(hostDir, 'msec-agent', 'start-agent.sh'), ['--gateway', gw.baseUrl, '--enroll', token, '--ip', host.ip], {
      cwd: hostDir,
      env: { PATH: process.env.PATH, MSEC_AGENT_HEARTBEAT_MS: '300' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    packaged.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    packaged.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await eventually(`packaged agent up (${output})`, async () => {
        const r = await viewer.call('GET', '/api/v1/hosts');
        return r.body.items?.some((h: { hostId: string; status: string }) => h.hostId === host.hostId && h.status === 'up')
          ? true
          : undefined;
      });
      const packagedPort = await freePort();
      const created = await dev.call('POST', '/api/v1/releases', {
        service: 'Demo.packaged',
        packageName: 'echo-svc',
        packageVersion: '1.1.0',
        port: packagedPort,
        hosts: [host.hostId],
        strategy: { canary: false, batchSize: 1, stabilizeMs: 300, healthTimeoutMs: 5000 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const done = await eventually('plan finished', async () => {
        const r = await viewer.call('GET', `/api/v1/releases/${created.body.planId}`);
        return ['succeeded', 'failed', 'rolled-back'].includes(r.body.state) ? r.body : undefined;
      });
      assert.equal(done.state, 'succeeded', `${JSON.stringify(done)}\n${output}`);
      const served = (await (await fetch(`http://${host.ip}:${packagedPort}/`)).json()) as { service: string; version: string };
      assert.deepEqual([served.service, served.version], ['Demo.packaged', '1.1.0']);
    } finally {
      packaged.kill('SIGTERM');
      await new Promise((r) => packaged!.once('exit', r));
      rmSync(hostDir, { recursive: true, force: true });
    }
  });
});
