import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { type NatsConnection } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { DataSource } from 'typeorm';
import { DeployBuckets, DeploySubjects, MsecError, type PackageUploadSlot, type PackageView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { buildPackage, GOOD_SERVER, startNats, startRedis, type InfraServer, type NatsTestServer } from '@msec/testing';
import { PackageRecord } from '../src/artifacts/artifacts.entities.js';
import { PackagesDomain } from '../src/artifacts/packages.domain.js';
import { startDeployApp } from './helpers/deploy-app.js';
import { uploadStaged } from './helpers/deploy-harness.js';

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A tar.gz with a valid manifest and server, plus whatever `add` puts in its folder. */
function tarWith(add: (dir: string) => void): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'msec-test-linkpkg-'));
  try {
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root', 'manifest.json'), JSON.stringify({ name: 'linked', version: '1.0.0', entry: 'server.mjs' }));
    writeFileSync(join(dir, 'root', 'server.mjs'), GOOD_SERVER);
    add(join(dir, 'root'));
    execFileSync('tar', ['-czf', join(dir, 'pkg.tgz'), '-C', join(dir, 'root'), '.']);
    return readFileSync(join(dir, 'pkg.tgz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const V1 = `syntax = "proto3";\npackage flight;\nmessage Query { string from = 1; string to = 2; }\nmessage Reply { repeated string flights = 1; }\nservice Flight { rpc Search (Query) returns (Reply); }\n`;
const V2 = V1.replace('string to = 2;', 'string to = 2;\n  int32 day = 3;');

describe('deploy artifacts', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  let nc: NatsConnection;
  let app: INestMicroservice;
  let dir: string;

  before(async () => {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    nc = await nats.connect();
    dir = mkdtempSync(join(tmpdir(), 'msec-deploy-art-'));
    app = await startDeployApp(nats, redis.url, join(dir, 'data'));
  });

  after(async () => {
    await app?.close();
    await nc?.close();
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const rejects = (subject: string, body: unknown, code: string, pattern: RegExp) =>
    assert.rejects(natsRequest(nc, subject, body), (e: MsecError) => {
      assert.equal(e.code, code);
      assert.match(e.message, pattern);
      return true;
    });

  it('deploy - accepts IDL only when it compiles and diffs versions', async () => {
    const v1 = await natsRequest<{ messages: string[] }>(nc, DeploySubjects.idlAdd, {
      service: 'Flight.mod_flight',
      tag: 'v1',
      files: { 'flight.proto': V1 },
    });
    assert.deepEqual(v1.messages, ['flight.Flight', 'flight.Query', 'flight.Reply']);
    await natsRequest(nc, DeploySubjects.idlAdd, { service: 'Flight.mod_flight', tag: 'v2', files: { 'flight.proto': V2 } });
    await rejects(
      DeploySubjects.idlAdd,
      { service: 'Flight.mod_flight', tag: 'bad', files: { 'flight.proto': 'message Broken { strin x = 1; }' } },
      'DEPLOY_IDL_INVALID',
      /flight.proto/,
    );
    await rejects(
      DeploySubjects.idlAdd,
      { service: 'Flight.mod_flight', tag: 'bad2', files: { 'a.proto': 'syntax = "proto3"; message A { Missing m = 1; }' } },
      'DEPLOY_IDL_INVALID',
      /Missing/,
    );
    await rejects(DeploySubjects.idlAdd, { service: 'not a service', tag: 'x', files: {} }, 'VALIDATION_FAILED', /service/);
    const diff = await natsRequest<{ file: string; change: string; diff: string }[]>(nc, DeploySubjects.idlDiff, {
      service: 'Flight.mod_flight',
      from: 'v1',
      to: 'v2',
    });
    assert.equal(diff.length, 1);
    assert.equal(diff[0]!.change, 'changed');
    assert.match(diff[0]!.diff, /^\+ {2}int32 day = 3; }$/m);
    const list = await natsRequest<{ tag: string }[]>(nc, DeploySubjects.idlList, { service: 'Flight.mod_flight' });
    assert.deepEqual(list.map((v) => v.tag).sort(), ['v1', 'v2']);
  });

  it('deploy - keeps config versions, diffs them and rolls back to an earlier one', async () => {
    await natsRequest(nc, DeploySubjects.configAdd, { service: 'Flight.mod_flight', tag: 'c1', content: 'timeout=100\nretries=2\n' });
    await natsRequest(nc, DeploySubjects.configAdd, { service: 'Flight.mod_flight', tag: 'c2', content: 'timeout=250\nretries=2\n' });
    const { diff } = await natsRequest<{ diff: string }>(nc, DeploySubjects.configDiff, {
      service: 'Flight.mod_flight',
      from: 'c1',
      to: 'c2',
    });
    assert.match(diff, /^-timeout=100$/m);
    assert.match(diff, /^\+timeout=250$/m);
    const rolled = await natsRequest<{ tag: string; current: boolean }>(nc, DeploySubjects.configRollback, {
      service: 'Flight.mod_flight',
      to: 'c1',
    });
    assert.equal(rolled.current, true);
    const list = await natsRequest<{ tag: string; current: boolean }[]>(nc, DeploySubjects.configList, { service: 'Flight.mod_flight' });
    assert.equal(list[0]!.tag, rolled.tag);
    const back = await natsRequest<{ diff: string }>(nc, DeploySubjects.configDiff, {
      service: 'Flight.mod_flight',
      from: 'c1',
      to: rolled.tag,
    });
    assert.doesNotMatch(back.diff, /^[+-]/m);
  });

  it('deploy - config versions stored at once each get their own sequence number, and one of them is current', async () => {
    const tags = ['r1', 'r2', 'r3', 'r4'];
    await Promise.all(
      tags.map((tag) => natsRequest(nc, DeploySubjects.configAdd, { service: 'Race.mod_cfg', tag, content: `tag=${tag}\n` }, 15_000)),
    );
    const list = await natsRequest<{ tag: string; seq: number; current: boolean }[]>(nc, DeploySubjects.configList, {
      service: 'Race.mod_cfg',
    });
    assert.deepEqual(
      list.map((v) => v.seq),
      [4, 3, 2, 1],
    );
    assert.deepEqual(list.map((v) => v.tag).sort(), tags);
    assert.deepEqual(
      list.map((v) => v.current),
      [true, false, false, false],
    );
  });

  it('deploy - stores a package only when its sha256 and manifest check out', async () => {
    const pkg = buildPackage('echo-svc', '1.0.0', GOOD_SERVER);
    await rejects(
      DeploySubjects.packagesUpload,
      { contentBase64: pkg.bytes.toString('base64'), sha256: 'f'.repeat(64) },
      'DEPLOY_PACKAGE_INVALID',
      /sha256/,
    );
    const notTar = Buffer.from('hello');
    await rejects(
      DeploySubjects.packagesUpload,
      { contentBase64: notTar.toString('base64'), sha256: sha(notTar) },
      'DEPLOY_PACKAGE_INVALID',
      /tar/,
    );
    for (const [kind, link] of [
      ['symbolic link', (dir: string) => symlinkSync('/etc', join(dir, 'escape'))],
      ['hard link', (dir: string) => linkSync(join(dir, 'server.mjs'), join(dir, 'escape'))],
    ] as const) {
      const linked = tarWith(link);
      await rejects(
        DeploySubjects.packagesUpload,
        { contentBase64: linked.toString('base64'), sha256: sha(linked) },
        'DEPLOY_PACKAGE_INVALID',
        new RegExp(`entry "[^"]+" is a ${kind}`),
      );
    }
    const stored = await natsRequest<{ name: string; version: string; entry: string }>(nc, DeploySubjects.packagesUpload, {
      contentBase64: pkg.bytes.toString('base64'),
      sha256: pkg.sha256,
    });
    assert.deepEqual([stored.name, stored.version, stored.entry], ['echo-svc', '1.0.0', 'server.mjs']);
    const list = await natsRequest<{ sha256: string }[]>(nc, DeploySubjects.packagesList, { name: 'echo-svc' });
    assert.equal(list[0]!.sha256, pkg.sha256);
  });

  it("deploy - checks a package's msec.json at upload, naming every bad field, and accepts a valid one", async () => {
    const withManifest = (manifest: unknown) => tarWith((d) => writeFileSync(join(d, 'msec.json'), JSON.stringify(manifest)));
    const bad = withManifest({ runtime: 'perl', stopSignal: 'SIGSTOP', health: { type: 'http' } });
    await rejects(
      DeploySubjects.packagesUpload,
      { contentBase64: bad.toString('base64'), sha256: sha(bad) },
      'DEPLOY_PACKAGE_INVALID',
      /msec\.json\.runtime: must be one of node, python, java, exec.*msec\.json\.health\.path: .*msec\.json\.stopSignal: must be one of/,
    );
    const missingStart = withManifest({ start: ['bin/server', '--fast'] });
    await rejects(
      DeploySubjects.packagesUpload,
      { contentBase64: missingStart.toString('base64'), sha256: sha(missingStart) },
      'DEPLOY_PACKAGE_INVALID',
      /msec\.json\.start: bin\/server is not a file in the tarball/,
    );
    const good = withManifest({
      start: ['/usr/bin/env', 'python3', 'server.mjs'],
      health: { type: 'http', path: '/health' },
      env: { MODE: 'fast' },
    });
    const stored = await natsRequest<{ name: string }>(nc, DeploySubjects.packagesUpload, {
      contentBase64: good.toString('base64'),
      sha256: sha(good),
    });
    assert.equal(stored.name, 'linked');
  });

  it('deploy - a 3 MiB package goes through the Object Store: staged, checked, moved into msec_packages', async () => {
    const pkg = buildPackage('echo-big', '1.0.0', GOOD_SERVER, 3 * 1024 * 1024);
    assert.ok(pkg.bytes.length > 3 * 1024 * 1024);
    const stored = await uploadStaged(nc, pkg.bytes, pkg.sha256);
    assert.deepEqual([stored.name, stored.version, stored.size, stored.sha256], ['echo-big', '1.0.0', pkg.bytes.length, pkg.sha256]);
    const packages = await new Objm(nc).open(DeployBuckets.packages);
    const blob = await packages.getBlob('echo-big/1.0.0.tar.gz');
    assert.equal(sha(Buffer.from(blob!)), pkg.sha256);
    // the same bytes again: the stored version is returned, nothing duplicated
    assert.equal((await uploadStaged(nc, pkg.bytes, pkg.sha256)).createdAt, stored.createdAt);

    const slot = await natsRequest<PackageUploadSlot>(nc, DeploySubjects.packagesStage, {});
    assert.equal(slot.maxBytes, 64 * 1024 * 1024);
    const uploads = await new Objm(nc).open(slot.bucket);
    await uploads.putBlob({ name: slot.object }, pkg.bytes);
    await rejects(
      DeploySubjects.packagesRegister,
      { object: slot.object, sha256: 'f'.repeat(64), size: pkg.bytes.length },
      'DEPLOY_PACKAGE_INVALID',
      /sha256/,
    );
    assert.equal((await uploads.info(slot.object))?.deleted ?? true, true, 'a refused upload is removed from the staging bucket');
    await rejects(
      DeploySubjects.packagesRegister,
      { object: slot.object, sha256: pkg.sha256, size: 65 * 1024 * 1024 },
      'DEPLOY_PACKAGE_TOO_LARGE',
      /MSEC_PACKAGE_MAX_BYTES/,
    );
    await rejects(DeploySubjects.packagesRegister, { object: '../etc/passwd', sha256: pkg.sha256, size: 1 }, 'VALIDATION_FAILED', /object/);
  });

  it('deploy - a package stored on disk before the Object Store is moved into it and keeps its checksum', async () => {
    const pkg = buildPackage('old-svc', '0.9.0', GOOD_SERVER);
    mkdirSync(join(dir, 'data', 'packages', 'old-svc'), { recursive: true });
    writeFileSync(join(dir, 'data', 'packages', 'old-svc', '0.9.0.tar.gz'), pkg.bytes);
    const repo = app.get(DataSource).getRepository(PackageRecord);
    await repo.insert({
      name: 'old-svc',
      version: '0.9.0',
      sha256: pkg.sha256,
      size: pkg.bytes.length,
      entry: 'server.mjs',
      bucket: null,
      objectName: null,
      createdAt: 1,
    });
    const domain = app.get(PackagesDomain);
    assert.equal(await domain.moveDiskPackages(), 1);
    assert.deepEqual(await domain.reference('old-svc', '0.9.0'), {
      bucket: DeployBuckets.packages,
      object: 'old-svc/0.9.0.tar.gz',
      sha256: pkg.sha256,
      size: pkg.bytes.length,
    });
    const blob = await (await new Objm(nc).open(DeployBuckets.packages)).getBlob('old-svc/0.9.0.tar.gz');
    assert.equal(sha(Buffer.from(blob!)), pkg.sha256);
    const listed = await natsRequest<PackageView[]>(nc, DeploySubjects.packagesList, { name: 'old-svc' });
    assert.equal(listed[0]!.sha256, pkg.sha256);
  });
});
