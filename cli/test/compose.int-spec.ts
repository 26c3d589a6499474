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
  const services = [...rendered.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]);
  for (const name of ['nats', 'zookeeper', 'redis', 'mysql', 'registry', 'deploy', 'monitor', 'log', 'kv-admin', 'gateway', 'agent']) {
    assert.ok(services.includes(name), `docker-compose.yml has no service "${name}"`);
  }
  const entries = [...rendered.matchAll(/- (\S+\/dist\/src\/main\.js)/g)].map((m) => m[1]!);
  assert.equal(entries.length, 7, 'each of the six services and the agent names its entry');
  for (const entry of entries) assert.ok(existsSync(join(REPO_ROOT, entry)), `${entry} is not produced by the build`);
  assert.match(rendered, /MSEC_NATS_URL: nats:\/\/nats:4222/);
});
