import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// cli/dist/test/unit/lint-boundaries.spec.js: four levels up is the repo root, where eslint.config.js lives.
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The rules ESLint reports for `code` as if it were the file at `path` (relative to the repo). */
async function rulesHit(path: string, code: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: REPO_ROOT }).lintText(code, { filePath: join(REPO_ROOT, path) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const use = (from: string) => `import { x } from '${from}';\nexport const y = x;\n`;

describe('lint boundaries', () => {
  it('lint - a relative import out of its package fails, in a lib, a service test, the agent, an example and a benchmark', async () => {
    const cases: Array<[string, string]> = [
      ['libs/bus/src/x.ts', '../../sdk/src/index.js'],
      ['services/log/test/x.ts', '../../monitor/src/monitor.module.js'],
      ['agent/src/x.ts', '../../libs/contracts/src/index.js'],
      ['examples/flight/src/x.ts', '../../../libs/sdk/src/index.js'],
      ['bench/rpc/src/x.ts', '../../../services/registry/src/index.js'],
    ];
    for (const [path, from] of cases)
      assert.ok((await rulesHit(path, use(from))).includes('msec/no-cross-package-relative'), `${path} → ${from}`);
  });

  it('lint - importing a service from another service, the agent or the CLI, or the CLI from an example, fails', async () => {
    const cases: Array<[string, string]> = [
      ['services/log/src/x.ts', '@msec/service-monitor'],
      ['services/log/test/x.ts', '@msec/service-registry'],
      ['libs/sdk/src/x.ts', '@msec/service-deploy'],
      ['agent/src/x.ts', '@msec/service-deploy'],
      ['cli/src/x.ts', '@msec/service-gateway'],
      ['examples/flight/src/x.ts', '@msec/cli'],
    ];
    for (const [path, from] of cases) assert.ok((await rulesHit(path, use(from))).includes('no-restricted-imports'), `${path} → ${from}`);
  });

  it('lint - production code (CLI, agent, services, libs) loading the test kit fails; tests may', async () => {
    for (const path of ['cli/src/x.ts', 'agent/src/x.ts', 'services/deploy/src/x.ts', 'libs/bus/src/x.ts'])
      assert.ok((await rulesHit(path, use('@msec/testing'))).includes('no-restricted-imports'), `${path} → @msec/testing`);
    assert.deepEqual(await rulesHit('cli/src/x.ts', use('@msec/infra')), []);
    assert.deepEqual(await rulesHit('services/deploy/test/x.ts', use('@msec/testing')), []);
    // A service's own rule set still keeps it from importing another service.
    assert.ok((await rulesHit('services/deploy/src/x.ts', use('@msec/service-log'))).includes('no-restricted-imports'));
  });

  it('lint - imports inside a package and of libs by name pass', async () => {
    assert.deepEqual(await rulesHit('libs/bus/src/x.ts', use('./event-store.js')), []);
    assert.deepEqual(await rulesHit('services/log/test/x.ts', use('../src/log.module.js')), []);
    assert.deepEqual(await rulesHit('examples/flight/src/x.ts', use('@msec/sdk')), []);
  });
});
