import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { DeploySubjects, LogSubjects } from '@msec/contracts';
import { natsCredsOptions } from '@msec/contracts/nats-creds';
import { TEMP_DIR_PREFIX, startNats, type NatsTestServer } from '@msec/testing';
import { parseZkAuth } from '@msec/nlb';
import { REPO_ROOT } from '../src/paths.js';
import { loadZkRedisSecrets } from '../src/launcher/zk-redis-secrets.js';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'cli', 'dist', 'src', 'main.js');

describe('credentials', () => {
  let home: string;
  let nats: NatsTestServer;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}home-`));
    nats = await startNats({ auth: true, authDir: join(home, 'secrets', 'nats') });
  });
  after(async () => {
    await nats?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('credentials - writes a private .creds file for a business service that may report telemetry but not command hosts', async () => {
    const out = join(home, 'flight.creds');
    const { stdout } = await run(process.execPath, [CLI, 'credentials', 'service', 'Flight.mod_flight', '--out', out], {
      env: { ...process.env, MSEC_HOME: home, NO_COLOR: '1' },
    });
    assert.match(stdout, /service-Flight\.mod_flight/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const nc = await connect({ ...natsCredsOptions(out, 'creds'), servers: nats.url });
    try {
      nc.publish(LogSubjects.ingestLines, '[]');
      await nc.flush();
      await assert.rejects(nc.request(DeploySubjects.commandSend, '{}', { timeout: 2000 }), /Permissions Violation/i);
    } finally {
      await nc.close();
    }
  });

  it("credentials - with the home's ZooKeeper secrets, the service also gets its ZooKeeper identities in FILE.zk-auth", async () => {
    loadZkRedisSecrets(home);
    const out = join(home, 'user.creds');
    const { stdout } = await run(process.execPath, [CLI, 'credentials', 'service', 'User.mod_user', '--out', out], {
      env: { ...process.env, MSEC_HOME: home, NO_COLOR: '1' },
    });
    assert.match(stdout, /MSEC_ZK_AUTH/);
    assert.equal(statSync(`${out}.zk-auth`).mode & 0o777, 0o600);
    const identities = parseZkAuth(readFileSync(`${out}.zk-auth`, 'utf8').trim(), 'zk-auth').map((i) => i.user);
    assert.deepEqual(identities, ['svc-User.mod_user', 'msec-reader']);
  });

  it("credentials - a host's agent creds subscribe to its own commands only", async () => {
    const out = join(home, 'h7.creds');
    await run(process.execPath, [CLI, 'credentials', 'host', 'h7', '--out', out], {
      env: { ...process.env, MSEC_HOME: home, NO_COLOR: '1' },
    });
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const nc = await connect({ ...natsCredsOptions(out, 'creds'), servers: nats.url });
    try {
      const errors: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
      })();
      nc.subscribe(DeploySubjects.agentCommand('h7'));
      nc.subscribe(DeploySubjects.agentCommand('h8'));
      await nc.flush();
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(
        errors.some((e) => /Permissions Violation for Subscription to "msec\.agent\.h8\.cmd"/i.test(e)),
        errors.join('; '),
      );
      assert.ok(!errors.some((e) => e.includes('msec.agent.h7.cmd')), errors.join('; '));
    } finally {
      await nc.close();
    }
  });

  it('credentials - an invalid service name is refused by name and no file is written', async () => {
    const out = join(home, 'bad.creds');
    await assert.rejects(
      run(process.execPath, [CLI, 'credentials', 'service', 'bad>name', '--out', out], {
        env: { ...process.env, MSEC_HOME: home, NO_COLOR: '1' },
      }),
      (e: { stderr?: string }) => /NATS_IDENTITY_INVALID|letters, digits/.test(e.stderr ?? ''),
    );
    assert.throws(() => statSync(out));
  });
});
