/**
 * Loaded into every test file's process by `./msec test` (`node --import`). Once a file's tests are done, the process
 * should end by itself; if something it opened is still running 20 s later, this names what (timers, sockets, child
 * processes) and ends the process with a failure, rather than leaving the runner to time the file out minutes later
 * with no clue.
 */
import { after } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/** How long a finished test file may keep running before it is reported and ended. */
export const EXIT_GRACE_MS = 20_000;

interface HandleIntrospection {
  _getActiveHandles(): unknown[];
}

/** One line per handle that keeps the event loop alive, apart from the runner's own stdio pipes. */
function describeHandles(): string[] {
  const handles = (process as unknown as HandleIntrospection)._getActiveHandles();
  const lines: string[] = [];
  for (const handle of handles) {
    if (handle === process.stdout || handle === process.stderr || handle === process.stdin) continue;
    const kind = (handle as object).constructor?.name ?? typeof handle;
    if (kind === 'Socket') {
      const socket = handle as Socket;
      lines.push(`socket to ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'} (local port ${socket.localPort ?? '?'})`);
    } else if (kind === 'ChildProcess') {
      const child = handle as ChildProcess;
      lines.push(`child process ${child.pid ?? '?'}: ${child.spawnargs.join(' ').slice(0, 160)}`);
    } else {
      lines.push(kind);
    }
  }
  return lines;
}

function reportAndExit(): void {
  const resources = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  const file = process.argv[1] ?? 'this test file';
  const handles = describeHandles().map((h) => `\n  ${h}`);
  process.stderr.write(
    `\n${file}: all tests finished ${EXIT_GRACE_MS / 1000} s ago but the process is still kept alive by: ` +
      `${resources.join(', ')}${handles.join('')}\n` +
      `Something the tests opened was not closed (a client, server, timer or child process); ending the process as failed.\n`,
  );
  process.exit(1);
}

after(() => {
  setTimeout(reportAndExit, EXIT_GRACE_MS).unref();
});
