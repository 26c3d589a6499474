import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseZkAuth, serviceIdentity } from '@msec/nlb';
import {
  loadZkRedisSecrets,
  readRedisPassword,
  readZkReader,
  serviceZkAuth,
  withoutPassword,
} from '../../src/launcher/zk-redis-secrets.js';

describe('launcher secrets', () => {
  const home = mkdtempSync(join(tmpdir(), 'msec-test-secrets-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('launcher secrets - generated once under <home>/secrets with 0700 folders and 0600 files, the same on every start', () => {
    assert.equal(serviceZkAuth(home, 'Flight.mod_flight'), undefined);
    const first = loadZkRedisSecrets(home);
    assert.match(first.zkRegistry, /^msec-registry:[\w-]{20,}$/);
    assert.match(first.zkReader, /^msec-reader:[\w-]{20,}$/);
    assert.ok(first.zkServiceSecret.length >= 32 && first.redisPassword.length >= 20);
    for (const dir of ['secrets', 'secrets/zookeeper']) assert.equal(statSync(join(home, dir)).mode & 0o777, 0o700, dir);
    for (const file of ['zookeeper/registry.auth', 'zookeeper/reader.auth', 'zookeeper/service.secret', 'redis.password'])
      assert.equal(statSync(join(home, 'secrets', file)).mode & 0o777, 0o600, file);
    assert.deepEqual(loadZkRedisSecrets(home), first);
    assert.equal(readZkReader(home), first.zkReader);
    assert.equal(readRedisPassword(home), first.redisPassword);

    // What a service run outside an agent is given: its own identity (as deploy derives it) and the reader.
    const [own, reader] = parseZkAuth(serviceZkAuth(home, 'Flight.mod_flight')!);
    assert.deepEqual(own, serviceIdentity(first.zkServiceSecret, 'Flight.mod_flight'));
    assert.equal(`${reader!.user}:${reader!.password}`, first.zkReader);
  });

  it('launcher secrets - URLs shown or stored drop their password', () => {
    assert.equal(withoutPassword('redis://:s3cret@127.0.0.1:6379'), 'redis://127.0.0.1:6379');
    assert.equal(withoutPassword('rediss://user:s3cret@10.0.0.1:6380'), 'rediss://10.0.0.1:6380');
    assert.equal(withoutPassword('127.0.0.1:2181'), '127.0.0.1:2181');
  });
});
