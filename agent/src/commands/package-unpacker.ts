import { execFile } from 'node:child_process';
import { AgentCommandError, AgentErrorCode } from '../agent.errors.js';

/** What the first letter of GNU tar's verbose listing means, for the entries a package may not hold. */
const REFUSED_KINDS: Record<string, string> = {
  l: 'symbolic link',
  h: 'hard link',
  c: 'character device',
  b: 'block device',
  p: 'named pipe',
};

function tar(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tar', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) =>
      error
        ? reject(
            new AgentCommandError(AgentErrorCode.commandFailed, `tar ${args[0]} failed: ${stderr.trim().slice(0, 500) || error.message}`),
          )
        : resolve(stdout),
    );
  });
}

function unsafe(entry: string, why: string): AgentCommandError {
  return new AgentCommandError(
    AgentErrorCode.packageUnsafe,
    `package entry "${entry.slice(0, 200)}" ${why}; packages hold only regular files and folders inside the package, nothing installed`,
    { entry: entry.slice(0, 200) },
  );
}

/**
 * Unpacks a verified package tarball into `target`, after checking every entry: a symbolic or hard link, a device or
 * pipe, an absolute path or one with `..` is refused with the entry named, and nothing is unpacked. The deploy
 * service refuses such packages at upload; the agent checks again because it installs as its own user.
 */
export async function unpackPackage(file: string, target: string): Promise<void> {
  // GNU tar escapes control characters in listings, so both list one line per entry, in the same order.
  const names = (await tar(['-tzf', file], 60_000)).split('\n').filter(Boolean);
  const lines = (await tar(['-tvzf', file], 60_000)).split('\n').filter(Boolean);
  if (names.length !== lines.length) throw unsafe(names[0] ?? file, 'could not be listed unambiguously');
  names.forEach((name, i) => {
    const kind = lines[i]![0]!;
    if (kind !== '-' && kind !== 'd') throw unsafe(name, `is a ${REFUSED_KINDS[kind] ?? 'special file'}`);
    if (name.startsWith('/') || name.split('/').includes('..')) throw unsafe(name, 'points outside the package folder');
  });
  await tar(['-xzf', file, '-C', target, '--no-same-owner'], 120_000);
}
