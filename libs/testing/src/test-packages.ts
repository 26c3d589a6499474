import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMP_DIR_PREFIX } from '@msec/infra';

/** Release packages for agent and deploy tests: a tiny Node HTTP server that listens on MSEC_HOST:MSEC_PORT and answers its service, version and pid. */
export const GOOD_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => res.end(JSON.stringify({ service: process.env.MSEC_SERVICE, version: process.env.PKG_VERSION, pid: process.pid })));
server.listen(Number(process.env.MSEC_PORT), process.env.MSEC_HOST || '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** A package whose entry dies at once. */
export const BROKEN_SERVER = `console.error('broken build: cannot start'); process.exit(3);\n`;

/** Builds a tar.gz package with manifest.json; `padBytes` adds that many random (incompressible) bytes as `pad.bin`. */
export function buildPackage(name: string, version: string, source: string, padBytes = 0): { bytes: Buffer; sha256: string } {
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}pkg-`));
  try {
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root', 'manifest.json'), JSON.stringify({ name, version, entry: 'server.mjs' }));
    writeFileSync(join(dir, 'root', 'server.mjs'), source.replace('process.env.PKG_VERSION', JSON.stringify(version)));
    if (padBytes > 0) writeFileSync(join(dir, 'root', 'pad.bin'), randomBytes(padBytes));
    execFileSync('tar', ['-czf', join(dir, 'pkg.tgz'), '-C', join(dir, 'root'), '.']);
    const bytes = readFileSync(join(dir, 'pkg.tgz'));
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
