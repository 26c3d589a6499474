import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { natsCredsOptions } from '@msec/contracts/nats-creds';
import { freePort, requireBinary, TEMP_DIR_PREFIX } from '@msec/testing';
import { REPO_ROOT } from '../src/paths.js';

const CLI = join(REPO_ROOT, 'cli', 'dist', 'src', 'main.js');

/** The value a component's env file exports for `key`. */
function exported(envFile: string, key: string): string | undefined {
  const line = readFileSync(envFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`export ${key}=`));
  return line?.slice(`export ${key}=`.length).replace(/^'|'$/g, '');
}

describe('secrets init', () => {
  let dir: string;
  let nats: ChildProcess | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}secrets-`));
  });
  after(() => {
    nats?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('secrets init - writes private credentials for every component, keeps them on a second run, and nats-server enforces them', async () => {
    const out = join(dir, 'stack');
    execFileSync(process.execPath, [CLI, 'secrets', 'init', out, '--host-id', 'web-1'], { encoding: 'utf8' });
    const envDir = join(out, 'env');
    assert.deepEqual(readdirSync(envDir).sort(), [
      'agent.env',
      'deploy.env',
      'gateway.env',
      'kv-admin.env',
      'log.env',
      'monitor.env',
      'registry.env',
    ]);
    for (const file of [
      ...readdirSync(envDir).map((f) => join(envDir, f)),
      join(out, 'secrets', 'redis.password'),
      join(out, 'secrets', 'db.password'),
    ]) {
      assert.equal(statSync(file).mode & 0o777, 0o600, file);
    }
    // Each component its own identity; only the registry gets the registry's ZooKeeper identity.
    assert.match(exported(join(envDir, 'log.env'), 'MSEC_NATS_CREDS') ?? '', /\/log\.creds$/);
    assert.match(exported(join(envDir, 'agent.env'), 'MSEC_NATS_CREDS') ?? '', /\/agent-web-1\.creds$/);
    assert.match(exported(join(envDir, 'registry.env'), 'MSEC_ZK_AUTH') ?? '', /^msec-registry:/);
    assert.equal(exported(join(envDir, 'gateway.env'), 'MSEC_ZK_AUTH'), undefined);
    assert.match(exported(join(envDir, 'deploy.env'), 'MSEC_DB_URL') ?? '', /^mysql:\/\/msec:[^@]{20,}@mysql:3306\/msec$/);
    const firstRedis = readFileSync(join(out, 'secrets', 'redis.password'), 'utf8');
    const firstSeed = readFileSync(join(out, 'secrets', 'nats', 'account-msec.nk'), 'utf8');
    execFileSync(process.execPath, [CLI, 'secrets', 'init', out, '--host-id', 'web-1'], { encoding: 'utf8' });
    assert.equal(readFileSync(join(out, 'secrets', 'redis.password'), 'utf8'), firstRedis, 'a second run keeps the passwords');
    assert.equal(readFileSync(join(out, 'secrets', 'nats', 'account-msec.nk'), 'utf8'), firstSeed, 'and the trust chain');

    // The generated auth.conf as the compose file runs it: anonymous refused, the log service's identity admitted.
    const port = await freePort();
    nats = spawn(
      requireBinary('nats'),
      ['-c', join(out, 'secrets', 'nats', 'auth.conf'), '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'js')],
      { stdio: 'ignore' },
    );
    const url = `nats://127.0.0.1:${port}`;
    let admitted;
    for (let i = 0; i < 50 && !admitted; i += 1) {
      admitted = await connect({
        ...natsCredsOptions(exported(join(envDir, 'log.env'), 'MSEC_NATS_CREDS')!, 'creds'),
        servers: url,
        reconnect: false,
      }).catch(() => undefined);
      if (!admitted) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(admitted, 'the log identity connects');
    await admitted.close();
    await assert.rejects(connect({ servers: url, reconnect: false, timeout: 3000 }), /Authorization Violation/i);
  });

  it('secrets init - a bad host id is refused naming the flag', () => {
    assert.throws(
      () =>
        execFileSync(process.execPath, [CLI, 'secrets', 'init', join(dir, 'bad'), '--host-id', 'a.b'], { encoding: 'utf8', stdio: 'pipe' }),
      /host-id/,
    );
  });
});
