// Builds the console (web/) into web/dist with Vite, unless the sources are unchanged since the last build.
// Usage: npm run build:web -w services/gateway [-- --force]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const gatewayDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const webDir = join(gatewayDir, 'web');
const outDir = join(webDir, 'dist');
const stampFile = join(outDir, '.source-hash');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Hash of everything that shapes the build: web sources, Vite config, and the gateway's package.json (tool versions). */
function sourceHash() {
  const hash = createHash('sha256');
  const inputs = [
    ...files(join(webDir, 'src')),
    join(webDir, 'index.html'),
    join(webDir, 'vite.config.ts'),
    join(gatewayDir, 'package.json'),
  ].sort();
  for (const file of inputs) hash.update(relative(gatewayDir, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/**
 * Several test files build the console at once: Vite empties web/dist before writing it, so a second build would
 * pull the files from under a browser already loading the first. One build at a time; the others wait, then find it
 * up to date. A lock older than 10 minutes is from a build that died and is taken over.
 */
const lockFile = join(webDir, '.build-lock');
async function lock() {
  for (;;) {
    try {
      closeSync(openSync(lockFile, 'wx'));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lockFile).mtimeMs > 10 * 60_000) rmSync(lockFile, { force: true });
      } catch {
        // released meanwhile
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
const unlock = () => rmSync(lockFile, { force: true });

const force = process.argv.includes('--force');
const hash = sourceHash();
await lock();
process.on('exit', unlock);
if (!force && existsSync(join(outDir, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) {
  console.log('console: web/dist is up to date, build skipped');
  process.exit(0);
}
// Type-check the console first: Vite only strips types.
execFileSync(process.execPath, [join(gatewayDir, '../../node_modules/typescript/bin/tsc'), '-p', webDir], { stdio: 'inherit' });
const { build } = await import('vite');
await build({ configFile: join(webDir, 'vite.config.ts'), logLevel: 'warn' });
writeFileSync(stampFile, hash);
console.log(`console: built into ${relative(process.cwd(), outDir) || outDir}`);
