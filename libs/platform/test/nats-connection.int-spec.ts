import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsRole } from '@msec/contracts';
import { TEMP_DIR_PREFIX, startNats, type NatsTestServer } from '@msec/testing';
import { connectNats, natsCheck } from '../src/index.js';

describe('nats connection', () => {
  let nats: NatsTestServer;
  let scratch: string;
  before(async () => {
    nats = await startNats({ auth: true, tls: true });
    scratch = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}nats-conn-`));
  });
  after(async () => {
    await nats?.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('nats connection - a service connects over TLS with its creds file and the CA, and its health check round-trips', async () => {
    const natsCreds = await nats.credsFile(NatsRole.registry);
    const nc = await connectNats({ natsUrl: nats.url, natsCreds, natsTlsCa: nats.tlsCaFile }, 'msec-registry-client');
    try {
      assert.ok(nc.info?.tls_required, 'the server did not require TLS');
      assert.ok(await natsCheck(nc).check());
    } finally {
      await nc.close();
    }
  });

  it('nats connection - without the CA the TLS server is not trusted; without creds the server refuses', async () => {
    const natsCreds = await nats.credsFile(NatsRole.registry);
    await assert.rejects(
      connectNats({ natsUrl: nats.url, natsCreds }, 'x'),
      (e: Error & { code?: string }) => e.code === 'NATS_CONNECT_FAILED',
    );
    await assert.rejects(
      connectNats({ natsUrl: nats.url, natsTlsCa: nats.tlsCaFile }, 'x'),
      (e: Error & { code?: string }) => e.code === 'NATS_CONNECT_FAILED' && /Authorization Violation/i.test(e.message),
    );
  });

  it('nats connection - a missing or malformed creds file is named with its config key', async () => {
    await assert.rejects(
      connectNats({ natsUrl: nats.url, natsCreds: join(scratch, 'missing.creds') }, 'x'),
      (e: Error & { code?: string }) => e.code === 'NATS_CREDS_INVALID' && /natsCreds \(MSEC_NATS_CREDS\).*does not exist/.test(e.message),
    );
    const bad = join(scratch, 'bad.creds');
    writeFileSync(bad, 'not creds');
    await assert.rejects(
      connectNats({ natsUrl: nats.url, natsCreds: bad }, 'x'),
      (e: Error & { code?: string }) => e.code === 'NATS_CREDS_INVALID' && /is not a NATS \.creds file/.test(e.message),
    );
    await assert.rejects(
      connectNats({ natsUrl: nats.url, natsTlsCert: bad }, 'x'),
      (e: Error & { code?: string }) => e.code === 'NATS_TLS_INVALID' && /natsTlsKey/.test(e.message),
    );
  });
});
