import { NatsRole } from '@msec/contracts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { freePort, startNats, startRedis, TEMP_DIR_PREFIX, type InfraServer, type NatsTestServer } from '@msec/testing';
import type { CliIo } from '../src/api/cli-io.js';
import { parseArgs } from '../src/cli-args.js';
import {
  configCommand,
  DEPLOY_BOOLEAN_FLAGS,
  hostsCommand,
  idlCommand,
  keysCommand,
  packageCommand,
  progressBar,
  releaseCommand,
} from '../src/commands/deploy.js';
import { startProcess, stopProcess, waitFor } from './helpers/platform-processes.js';

const HOST = { hostId: 'cli-h1', ip: '127.0.0.41' };

function io(env: NodeJS.ProcessEnv): CliIo & { lines: string[]; errors: string } {
  const state = { lines: [] as string[], errors: '' };
  return Object.assign(state, {
    env,
    out: (line: string) => void state.lines.push(line),
    err: (text: string) => void (state.errors += text),
    stdin: Readable.from(['']),
  });
}

const argv = (...words: string[]) => parseArgs(words, new Set(['help', ...DEPLOY_BOOLEAN_FLAGS]));

describe('cli deploy', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  const children: ChildProcess[] = [];
  let root: string;
  let env: NodeJS.ProcessEnv;
  const config = { homeDir: '' };

  before(async () => {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    root = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}cli-deploy-`));
    for (const dir of ['gateway', 'deploy', 'agent', 'home', 'msec-home/run']) mkdirSync(join(root, dir), { recursive: true });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    config.homeDir = join(root, 'msec-home');
    children.push(
      startProcess('services/gateway/dist/src/main.js', {
        ...(await nats.envFor(NatsRole.gateway)),
        MSEC_DATA_DIR: join(root, 'gateway'),
        MSEC_HTTP_HOST: '127.0.0.1',
        MSEC_HTTP_PORT: String(port),
      }),
      startProcess('services/deploy/dist/src/main.js', {
        ...(await nats.envFor(NatsRole.deploy)),
        MSEC_REDIS_URL: redis.url,
        MSEC_DATA_DIR: join(root, 'deploy'),
        MSEC_DB_URL: '',
      }),
    );
    await waitFor('gateway', async () => (await fetch(`${url}/api/v1/health`)).ok);
    writeFileSync(join(config.homeDir, 'run', 'state.json'), JSON.stringify({ consoleUrl: url }));
    // An API token for admin, as ./msec login would store it.
    const initial = readFileSync(join(root, 'gateway', 'initial-admin-password'), 'utf8').trim();
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: initial }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
    await fetch(`${url}/api/v1/auth/password`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ currentPassword: initial, newPassword: 'admin-password-1' }),
    });
    const token = (await (
      await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers, body: JSON.stringify({ name: 'cli', expiresInDays: 1 }) })
    ).json()) as { token: string };
    env = { HOME: join(root, 'home'), PATH: process.env.PATH, MSEC_TOKEN: token.token };
    await waitFor('deploy', async () => (await fetch(`${url}/api/v1/hosts`, { headers: { authorization: `Bearer ${token.token}` } })).ok);
    children.push(
      startProcess('agent/dist/src/main.js', {
        ...(await nats.envFor(NatsRole.agent, HOST.hostId)),
        MSEC_HOST_ID: HOST.hostId,
        MSEC_HOST_IP: HOST.ip,
        MSEC_CONSOLE_KEY: join(root, 'deploy', 'keys', 'console.pub'),
        MSEC_AGENT_DIR: join(root, 'agent'),
        MSEC_AGENT_HEARTBEAT_MS: '300',
      }),
    );
    await waitFor('agent up', async () => {
      const out = io(env);
      await hostsCommand(config, argv('hosts'), out);
      return /cli-h1\s+127\.0\.0\.41\s+up/.test(out.lines.join('\n'));
    });
  });
  after(async () => {
    for (const child of children.reverse()) await stopProcess(child);
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(root, { recursive: true, force: true });
  });

  it('cli deploy - progress bar text', () => {
    assert.equal(progressBar(1, 4, 8), '[##......]  25%');
    assert.equal(progressBar(3, 3, 4), '[####] 100%');
  });

  it('cli deploy - a 1.5 MiB package built from a folder and streamed up, config and IDL versions, a release followed to 100 %, the list and a key rotation', async () => {
    const pkgDir = join(root, 'pkg');
    mkdirSync(join(pkgDir, 'node_modules'), { recursive: true });
    writeFileSync(
      join(pkgDir, 'server.mjs'),
      "import { createServer } from 'node:http'; createServer((q, s) => s.end('ok')).listen(Number(process.env.MSEC_PORT), process.env.MSEC_HOST);",
    );
    writeFileSync(join(pkgDir, 'assets.bin'), randomBytes(1536 * 1024));
    writeFileSync(join(pkgDir, 'node_modules', 'left-out.js'), 'the host provides node_modules');
    const build = io(env);
    assert.equal(
      await packageCommand(
        config,
        argv(
          'package',
          'build',
          pkgDir,
          '--name',
          'cli-svc',
          '--version',
          '1.0.0',
          '--entry',
          'server.mjs',
          '--out',
          join(root, 'cli-svc.tgz'),
        ),
        build,
      ),
      0,
    );
    assert.match(build.lines.join('\n'), /Built .*cli-svc\.tgz: cli-svc@1\.0\.0, entry server\.mjs, 2 files/);
    const listing = execFileSync('tar', ['-tzf', join(root, 'cli-svc.tgz')])
      .toString()
      .split('\n')
      .filter(Boolean);
    assert.deepEqual(listing.sort(), ['assets.bin', 'manifest.json', 'server.mjs']);
    const up = io(env);
    assert.equal(
      await packageCommand(config, argv('package', 'upload', join(root, 'cli-svc.tgz'), '--name', 'cli-svc', '--version', '1.0.0'), up),
      0,
    );
    assert.match(up.lines.join('\n'), /Uploaded cli-svc@1\.0\.0 \((\d+) bytes/);
    assert.ok(Number(/\((\d+) bytes/.exec(up.lines.join('\n'))![1]) > 1024 * 1024);

    writeFileSync(join(root, 'app.conf'), 'threads=4\n');
    assert.equal(await configCommand(config, argv('config', 'add', 'Demo.cli', join(root, 'app.conf'), '--tag', 'c1'), io(env)), 0);
    writeFileSync(join(root, 'app.conf'), 'threads=8\n');
    assert.equal(await configCommand(config, argv('config', 'add', 'Demo.cli', join(root, 'app.conf'), '--tag', 'c2'), io(env)), 0);
    const diff = io(env);
    await configCommand(config, argv('config', 'diff', 'Demo.cli', 'c1', 'c2'), diff);
    assert.match(diff.lines.join('\n'), /-threads=4\n\+threads=8/);
    writeFileSync(join(root, 'cli.proto'), 'syntax = "proto3"; package cli; message Ping { string text = 1; }');
    const idl = io(env);
    assert.equal(await idlCommand(config, argv('idl', 'add', 'Demo.cli', join(root, 'cli.proto'), '--tag', 'v1'), idl), 0);
    assert.match(idl.lines.join('\n'), /cli\.Ping/);

    const port = await freePort();
    const release = io(env);
    const code = await releaseCommand(
      config,
      argv(
        'release',
        'create',
        'Demo.cli',
        '--package',
        'cli-svc@1.0.0',
        '--hosts',
        HOST.hostId,
        '--port',
        String(port),
        '--config-tag',
        'c2',
        '--stabilize-ms',
        '300',
      ),
      release,
    );
    assert.equal(code, 0, `${release.lines.join('\n')}\n${release.errors}`);
    assert.match(release.errors, /\[#+\] 100%\s+1\/1 hosts\s+succeeded/);
    assert.match(release.lines.join('\n'), /succeeded on 1 host/);
    assert.equal(await (await fetch(`http://${HOST.ip}:${port}/`)).text(), 'ok');

    const list = io(env);
    await releaseCommand(config, argv('release', 'list'), list);
    assert.match(list.lines.join('\n'), /Demo\.cli\s+cli-svc@1\.0\.0\s+succeeded\s+1\/1/);

    const keys = io(env);
    assert.equal(await keysCommand(config, argv('keys', 'rotate', '--overlap', '60'), keys), 0);
    assert.match(keys.lines.join('\n'), /cli-h1\s+new key trusted/);
  });
});
