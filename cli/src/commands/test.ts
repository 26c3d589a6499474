import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TEMP_DIR_PREFIX } from '@msec/infra';
import type { LauncherConfig } from '../launcher-config.js';
import { ensureInstalled, Requirements } from '../launcher/provision.js';
import { bold, green, red, say } from '../output.js';
import { REPO_ROOT } from '../paths.js';
import { commandStage, nodeTestStage, type StageResult } from '../test-runner/stage-runner.js';
import { findTestFiles } from '../test-runner/test-files.js';

/**
 * Kills servers a crashed test left behind: every server the harness starts names a msec-test- folder, and one
 * whose test process died has been handed to init (parent pid 1). Servers of tests still running elsewhere on
 * the machine keep their parent and are left alone.
 */
function sweepLeftoverServers(): number {
  let killed = 0;
  let listing = '';
  try {
    listing = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  } catch {
    return 0;
  }
  for (const line of listing.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!match || match[2] !== '1' || !match[3]!.includes(TEMP_DIR_PREFIX)) continue;
    try {
      process.kill(Number(match[1]), 'SIGKILL');
      killed += 1;
    } catch {
      // already gone
    }
  }
  return killed;
}

/**
 * `msec test [filter]`: provisioning as for up, then typecheck (the build), the console build, lint, format check, unit and
 * integration tests.
 * Ends with one line `N passed, N failed`; exit code 1 on any failure.
 */
export async function test(config: LauncherConfig, filter: string | undefined): Promise<number> {
  ensureInstalled(Object.values(Requirements), config.autoInstall);
  const artefacts = join(REPO_ROOT, 'test-artifacts');
  mkdirSync(artefacts, { recursive: true });
  const stages: StageResult[] = [];
  const npx = join(REPO_ROOT, 'node_modules', '.bin');

  say(bold('== typecheck and build'));
  stages.push(await commandStage('typecheck', join(npx, 'tsc'), ['-b', 'tsconfig.build.json'], REPO_ROOT));
  // Built once here: the browser tests would otherwise each start a build, and a rebuild empties web/dist under a page loading it.
  say(bold('== console build'));
  stages.push(
    await commandStage('console', process.execPath, [join(REPO_ROOT, 'services', 'gateway', 'scripts', 'build-web.mjs')], REPO_ROOT),
  );
  if (filter === undefined) {
    say(bold('== lint'));
    stages.push(await commandStage('lint', join(npx, 'eslint'), ['--max-warnings=0', '.'], REPO_ROOT));
    say(bold('== format'));
    stages.push(await commandStage('format', join(npx, 'prettier'), ['--check', '**/*.{ts,tsx}'], REPO_ROOT));
  }
  const files = findTestFiles(REPO_ROOT, filter);
  say(bold(`== unit tests (${files.unit.length} files)`));
  stages.push(await nodeTestStage('unit', files.unit, join(artefacts, 'unit.tap'), REPO_ROOT, 2, 60_000));
  say(bold(`== integration tests (${files.integration.length} files, real NATS, ZooKeeper, Redis, MariaDB)`));
  stages.push(await nodeTestStage('integration', files.integration, join(artefacts, 'integration.tap'), REPO_ROOT, 2, 300_000));
  const swept = sweepLeftoverServers();
  if (swept > 0) say(red(`swept ${swept} server process(es) a test left running`));

  say();
  for (const stage of stages) {
    const verdict = stage.failed === 0 ? green('ok') : red('FAILED');
    say(
      `  ${stage.name.padEnd(12)} ${String(stage.passed).padStart(4)} passed ${String(stage.failed).padStart(4)} failed  ${stage.seconds.toFixed(1)} s  ${verdict}`,
    );
  }
  const passed = stages.reduce((n, s) => n + s.passed, 0);
  const failed = stages.reduce((n, s) => n + s.failed, 0);
  say(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}
