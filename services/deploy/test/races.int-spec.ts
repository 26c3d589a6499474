import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, NatsRole, type HostEnrollmentCreated, type HostEnrollmentView, type PackageView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { buildPackage, GOOD_SERVER, startNats, startRedis, TEMP_DIR_PREFIX, type InfraServer, type NatsTestServer } from '@msec/testing';
import { DeployProcess } from './helpers/deploy-harness.js';

const ADMIN = { user: 'alice', role: 'admin' };
/** The outcome of a request: 'ok' or its error code. */
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? String(error),
  );

describe('deploy races across two deploy processes on one database', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  let nc: NatsConnection;
  const processes: DeployProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}deploy-races-`));

  before(async () => {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    nc = await nats.connect();
    const env = await nats.envFor(NatsRole.deploy);
    for (let i = 0; i < 2; i++) {
      const process = new DeployProcess(env, redis.url, join(dir, 'data'));
      await process.start(nc);
      processes.push(process);
    }
  });

  after(async () => {
    for (const process of processes) await process.stop();
    await nc?.close();
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('race - one enrolment token redeemed by eight requests at once: exactly one gets the host credentials', async () => {
    const created = await natsRequest<HostEnrollmentCreated>(nc, DeploySubjects.hostsEnroll, { hostId: 'race-host', actor: ADMIN });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        outcome(natsRequest(nc, DeploySubjects.hostsRedeem, { token: created.token, from: `10.0.0.${i + 1}` }, 15_000)),
      ),
    );
    assert.equal(outcomes.filter((o) => o === 'ok').length, 1, outcomes.join(', '));
    assert.deepEqual(
      [...new Set(outcomes.filter((o) => o !== 'ok'))],
      ['DEPLOY_ENROLL_TOKEN_INVALID'],
      'every other request is refused as a used token',
    );
    const listed = await natsRequest<HostEnrollmentView[]>(nc, DeploySubjects.hostsEnrollments, {});
    const token = listed.find((e) => e.hostId === 'race-host')!;
    assert.ok(token.redeemedAt !== null && /^10\.0\.0\.\d$/.test(token.redeemedFrom ?? ''), JSON.stringify(token));
  });

  it('race - the same package uploaded six times at once is stored once; other content under that version is refused', async () => {
    const pkg = buildPackage('race-svc', '1.0.0', GOOD_SERVER);
    const other = buildPackage('race-svc', '1.0.0', `${GOOD_SERVER}\n// other content`);
    const upload = (p: { bytes: Buffer; sha256: string }): Promise<PackageView> =>
      natsRequest<PackageView>(nc, DeploySubjects.packagesUpload, { contentBase64: p.bytes.toString('base64'), sha256: p.sha256 }, 30_000);
    const outcomes = await Promise.all([...Array.from({ length: 6 }, () => outcome(upload(pkg))), outcome(upload(other))]);
    const list = await natsRequest<Array<{ version: string; sha256: string }>>(nc, DeploySubjects.packagesList, { name: 'race-svc' });
    assert.equal(list.length, 1, `one stored version: ${JSON.stringify(list)}`);
    const winner = list[0]!.sha256;
    const expected = Array.from({ length: 7 }, (_, i) => ((i < 6 ? pkg.sha256 : other.sha256) === winner ? 'ok' : 'VALIDATION_FAILED'));
    assert.deepEqual(outcomes, expected, 'uploads of the stored content succeed, the other content is refused');
  });
});
