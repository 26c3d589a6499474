import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/paths.js';

it('compose - docker-compose.yml is valid and runs every component from an entry the build produces', () => {
  const rendered = execFileSync('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config'], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
  });
  const services = [...rendered.matchAll(/^ {2}([a-z0-9-]+):$/gm)].map((m) => m[1]);
  for (const name of [
    'nats-1',
    'nats-2',
    'nats-3',
    'zookeeper',
    'redis',
    'mysql',
    'registry',
    'deploy',
    'monitor',
    'log',
    'kv-admin',
    'gateway',
    'agent',
  ]) {
    assert.ok(services.includes(name), `docker-compose.yml has no service "${name}"`);
  }
  const entries = [...rendered.matchAll(/\. \/secrets\/env\/([a-z-]+)\.env && exec node (?:--\S+ )*(\S+\/dist\/src\/main\.js)/g)];
  assert.equal(entries.length, 7, 'each of the six services and the agent sources its own credentials and names its entry');
  for (const [, name, entry] of entries) {
    assert.ok(existsSync(join(REPO_ROOT, entry!)), `${entry} is not produced by the build`);
    assert.ok(entry!.includes(`/${name}/`) || (name === 'agent' && entry!.startsWith('agent/')), `${name} sources another's env file`);
  }
  // Every server requires credentials, generated at first start; no password is written in the file.
  assert.match(rendered, /- \/secrets\/secrets\/nats\/auth\.conf/);
  assert.match(rendered, /--requirepass/);
  assert.match(rendered, /MYSQL_PASSWORD_FILE: \/secrets\/secrets\/db\.password/);
  assert.match(rendered, /secrets init \/secrets/);
  // NATS runs as a three-node cluster: each node routes to the others.
  assert.equal([...rendered.matchAll(/- nats:\/\/nats-1:6222,nats:\/\/nats-2:6222,nats:\/\/nats-3:6222/g)].length, 3);
  assert.doesNotMatch(rendered, /MYSQL_PASSWORD: |msec:msec@/);
});
