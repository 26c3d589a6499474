import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { NatsRole } from '@msec/contracts';
import { freePort, startNats, TEMP_DIR_PREFIX, type NatsTestServer } from '@msec/testing';
import { REPO_ROOT } from '../src/paths.js';

/** The build stage of the Dockerfile: what it copies and the commands it runs, in order. */
function buildStage(dockerfile: string): { copies: { from: string[]; to: string }[]; runs: string[] } {
  const stage = dockerfile.split(/^FROM /m)[1] ?? '';
  const copies = [...stage.matchAll(/^COPY (.+)$/gm)].map((m) => {
    const words = m[1]!.trim().split(/\s+/);
    return { from: words.slice(0, -1), to: words.at(-1)! };
  });
  const runs = [...stage.matchAll(/^RUN (.+)$/gm)].flatMap((m) => m[1]!.split('&&').map((c) => c.trim()));
  return { copies, runs };
}

/** A .dockerignore pattern as a test on a path relative to the context (the few forms the file uses). */
function ignored(patterns: string[]): (path: string) => boolean {
  const tests = patterns.map((p) => {
    if (p.startsWith('**/')) {
      const name = p.slice(3);
      return (path: string) => path.split(sep).includes(name);
    }
    return (path: string) => path === p || path.startsWith(`${p}${sep}`);
  });
  return (path) => tests.some((t) => t(path));
}

/**
 * The image's file tree built without Docker: the Dockerfile's COPY lines with .dockerignore applied, then its RUN
 * steps. `npm ci` is the one step replaced (by a hard-linked copy of this checkout's node_modules: no network here).
 */
describe('production image tree', () => {
  let tree: string;
  let nats: NatsTestServer;
  let gateway: ChildProcess | undefined;

  before(() => {
    tree = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}image-`));
  });
  after(async () => {
    gateway?.kill('SIGKILL');
    await nats?.dispose();
    rmSync(tree, { recursive: true, force: true });
  });

  it('image - the tree the Dockerfile builds serves the web console from the gateway', async () => {
    const { copies, runs } = buildStage(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    const skip = ignored(
      readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
    for (const { from, to } of copies) {
      for (const source of from) {
        const target = to.endsWith('/') || from.length > 1 ? join(tree, to, source) : join(tree, to === './' ? source : to);
        cpSync(join(REPO_ROOT, source), target, {
          recursive: true,
          filter: (path) => !skip(relative(REPO_ROOT, path)),
        });
      }
    }
    assert.equal(existsSync(join(tree, 'services', 'gateway', 'web', 'dist')), false, '.dockerignore keeps local builds out');
    assert.ok(
      runs.some((r) => r.startsWith('npm ci')),
      'the Dockerfile installs with npm ci',
    );
    execFileSync('cp', ['-al', join(REPO_ROOT, 'node_modules'), join(tree, 'node_modules')]);
    // npm prune rewrites its hidden lockfile in place: a hard link would rewrite this checkout's.
    const hiddenLock = join(REPO_ROOT, 'node_modules', '.package-lock.json');
    const checkoutLock = existsSync(hiddenLock) ? readFileSync(hiddenLock) : undefined;
    rmSync(join(tree, 'node_modules', '.package-lock.json'), { force: true });
    if (checkoutLock) writeFileSync(join(tree, 'node_modules', '.package-lock.json'), checkoutLock);
    for (const run of runs.filter((r) => !r.startsWith('npm ci'))) {
      execFileSync('sh', ['-c', run], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    assert.ok(existsSync(join(tree, 'services', 'gateway', 'web', 'dist', 'index.html')), 'the image holds the built console');
    if (checkoutLock) assert.ok(readFileSync(hiddenLock).equals(checkoutLock), "building the tree left this checkout's node_modules alone");

    nats = await startNats();
    const port = await freePort();
    gateway = spawn(process.execPath, [join(tree, 'services', 'gateway', 'dist', 'src', 'main.js')], {
      env: {
        ...process.env,
        ...(await nats.envFor(NatsRole.gateway)),
        NODE_ENV: 'production',
        MSEC_DATA_DIR: join(tree, 'data'),
        MSEC_HTTP_HOST: '127.0.0.1',
        MSEC_HTTP_PORT: String(port),
      },
      stdio: 'ignore',
    });
    let page: Response | undefined;
    for (let i = 0; i < 150 && page?.status !== 200; i += 1) {
      page = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (page?.status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(page?.status, 200, 'the gateway from the image answers /');
    const html = await page!.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, `the console's page loads its script: ${html.slice(0, 200)}`);
    const asset = await fetch(`http://127.0.0.1:${port}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
  });
});
