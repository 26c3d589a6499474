import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCommandType, type SignedCommand } from '@msec/contracts';
import { AgentCommandError } from '../../src/agent.errors.js';
import { CommandExecutor } from '../../src/commands/command-executor.js';
import type { KeyRing } from '../../src/commands/key-ring.js';
import type { FetchedPackage, PackageSource } from '../../src/commands/package-fetcher.js';
import type { InstanceSupervisor } from '../../src/supervisor/instance-supervisor.js';

/** Serves tarballs from a folder: object `<name>` is `<dir>/<name>`. */
class FolderPackageSource implements PackageSource {
  constructor(private readonly dir: string) {}
  async fetch(_bucket: string, object: string, file: string): Promise<FetchedPackage | null> {
    copyFileSync(join(this.dir, object), file);
    const bytes = readFileSync(file);
    return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
}

interface Fixture {
  dir: string;
  stateDir: string;
  executor: CommandExecutor;
  /** Packs `root` (plus extra tar arguments) into a tarball and sends install-package for it. */
  install(name: string, pack: (root: string) => string[]): Promise<unknown>;
}

async function withAgent(work: (f: Fixture) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'msec-test-agent-unpack-'));
  const stateDir = join(dir, 'state');
  const store = join(dir, 'store');
  mkdirSync(store);
  // install-package uses neither the supervisor nor the key ring
  const executor = new CommandExecutor(
    stateDir,
    null as unknown as InstanceSupervisor,
    null as unknown as KeyRing,
    new FolderPackageSource(store),
    null,
  );
  const install = async (name: string, pack: (root: string) => string[]): Promise<unknown> => {
    const root = join(dir, `src-${name}`);
    mkdirSync(root);
    writeFileSync(join(root, 'manifest.json'), JSON.stringify({ name, version: '1.0.0', entry: 'server.mjs' }));
    writeFileSync(join(root, 'server.mjs'), 'console.log("hi")\n');
    const tarball = join(store, `${name}.tgz`);
    execFileSync('tar', ['-czf', tarball, '-C', root, ...pack(root)], { stdio: 'ignore' });
    const bytes = readFileSync(tarball);
    const args = {
      name,
      version: '1.0.0',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bucket: 'msec_packages',
      object: `${name}.tgz`,
      size: bytes.length,
    };
    return executor.execute({ envelope: { type: AgentCommandType.installPackage, args } } as unknown as SignedCommand);
  };
  try {
    await work({ dir, stateDir, executor, install });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function refused(work: Promise<unknown>, entry: RegExp, kind: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof AgentCommandError, String(error));
    assert.equal(error.code, 'AGENT_PACKAGE_UNSAFE');
    assert.match(error.message, entry, 'the entry is named');
    assert.match(error.message, kind);
    return true;
  });
}

function nothingInstalled(stateDir: string, name: string): void {
  assert.equal(existsSync(join(stateDir, 'packages', name)), false, `nothing of ${name} was installed`);
}

test('agent - installs a package of plain files and folders', async () => {
  await withAgent(async ({ stateDir, install }) => {
    const result = (await install('plain', (root) => {
      mkdirSync(join(root, 'lib'));
      writeFileSync(join(root, 'lib', 'util.mjs'), 'export {}\n');
      return ['.'];
    })) as { dir: string };
    assert.equal(readFileSync(join(result.dir, 'lib', 'util.mjs'), 'utf8'), 'export {}\n');
    assert.ok(existsSync(join(stateDir, 'packages', 'plain', '1.0.0', '.sha256')));
  });
});

test('agent - refuses a package holding a symbolic link, naming the entry, and installs nothing', async () => {
  await withAgent(async ({ dir, stateDir, install }) => {
    writeFileSync(join(dir, 'secret'), 'outside');
    await refused(
      install('symlinked', (root) => {
        symlinkSync(join(dir, 'secret'), join(root, 'config.json'));
        return ['.'];
      }),
      /"\.\/config\.json"/,
      /symbolic link/,
    );
    nothingInstalled(stateDir, 'symlinked');
  });
});

test('agent - refuses a package holding a hard link, naming the entry, and installs nothing', async () => {
  await withAgent(async ({ stateDir, install }) => {
    await refused(
      install('hardlinked', (root) => {
        linkSync(join(root, 'server.mjs'), join(root, 'copy.mjs'));
        return ['manifest.json', 'server.mjs', 'copy.mjs'];
      }),
      /"copy\.mjs"/,
      /hard link/,
    );
    nothingInstalled(stateDir, 'hardlinked');
  });
});

test('agent - refuses a package holding a device or a pipe', async () => {
  await withAgent(async ({ stateDir, install }) => {
    await refused(
      install('piped', (root) => {
        execFileSync('mkfifo', [join(root, 'fifo')]);
        return ['.'];
      }),
      /"\.\/fifo"/,
      /named pipe/,
    );
    nothingInstalled(stateDir, 'piped');
    if (process.getuid?.() === 0) {
      await refused(
        install('device', (root) => {
          execFileSync('mknod', [join(root, 'null'), 'c', '1', '3']);
          return ['.'];
        }),
        /"\.\/null"/,
        /character device/,
      );
      nothingInstalled(stateDir, 'device');
    }
  });
});

test('agent - refuses a package with a path escaping the package folder', async () => {
  await withAgent(async ({ dir, stateDir, install }) => {
    writeFileSync(join(dir, 'escape.txt'), 'planted');
    await refused(
      install('escaping', () => ['-P', 'manifest.json', 'server.mjs', '../escape.txt']),
      /"\.\.\/escape\.txt"/,
      /outside the package folder/,
    );
    nothingInstalled(stateDir, 'escaping');
    assert.equal(existsSync(join(stateDir, 'packages', 'escape.txt')), false);
  });
});
