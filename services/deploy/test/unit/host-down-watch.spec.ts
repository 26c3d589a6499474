import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MsecError } from '@msec/contracts';
import { DeployErrorCode } from '../../src/deploy.errors.js';
import { HostDownWatch, type DownHosts } from '../../src/hosts/host-down-watch.js';
import { HOST_SWEEP_MS, type DownHost } from '../../src/hosts/hosts.projection.js';

/** The hosts read model as the watch reads it: hosts are marked down by the test. */
function hostsTable(): DownHosts & { markDown(hostId: string, lastSeenAt: number): void } {
  const down = new Map<string, number>();
  return {
    markDown: (hostId, lastSeenAt) => void down.set(hostId, lastSeenAt),
    down: async (hostIds: string[]): Promise<DownHost[]> =>
      hostIds.filter((id) => down.has(id)).map((hostId) => ({ hostId, lastSeenAt: down.get(hostId)! })),
  };
}

/** A command whose answer the test sends when it likes. */
function pendingAnswer<T>(): { promise: Promise<T>; answer(value: T): void; fail(error: Error): void } {
  let answer!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  return { promise, answer, fail };
}

describe('deploy host down watch', () => {
  it('host down watch - a command waiting on a host fails naming it once the host is marked down; the late answer is dropped', async () => {
    const hosts = hostsTable();
    const watch = new HostDownWatch(hosts);
    const install = pendingAnswer<string>();
    const other = pendingAnswer<string>();
    let aborted: unknown = null;
    const waiting = watch.whileUp('h1', (signal) => {
      signal.addEventListener('abort', () => (aborted = signal.reason));
      return install.promise;
    });
    const onOtherHost = watch.whileUp('h2', () => other.promise);
    await new Promise((r) => setTimeout(r, 50));
    const markedAt = Date.now();
    hosts.markDown('h1', markedAt - 4_000);
    await assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof MsecError);
      assert.equal(error.code, DeployErrorCode.hostDown);
      assert.match(error.message, /^host h1 is down \(no heartbeat for 4 s\)$/);
      assert.equal(error.data?.hostId, 'h1');
      return true;
    });
    assert.ok(Date.now() - markedAt <= 2 * HOST_SWEEP_MS, `failed ${Date.now() - markedAt} ms after the host was marked down`);
    assert.ok(aborted instanceof MsecError, 'the work was told to stop');
    // the agent answers after all: nobody waits for it any more, and nothing throws
    install.answer('installed');
    other.answer('fine');
    assert.equal(await onOtherHost, 'fine', 'a command to another host is not affected');
  });

  it('host down watch - nothing is sent to a host already marked down', async () => {
    const hosts = hostsTable();
    hosts.markDown('h1', Date.now() - 10_000);
    let sent = false;
    await assert.rejects(
      new HostDownWatch(hosts).whileUp('h1', async () => {
        sent = true;
      }),
      /host h1 is down \(no heartbeat for 10 s\)/,
    );
    assert.equal(sent, false);
  });

  it("host down watch - the work's own answer or error passes through while the host is up", async () => {
    const watch = new HostDownWatch(hostsTable());
    assert.equal(await watch.whileUp('h1', async () => 42), 42);
    await assert.rejects(
      watch.whileUp('h1', async () => {
        throw new Error('agent refused');
      }),
      /agent refused/,
    );
    const late = pendingAnswer<never>();
    const failing = watch.whileUp('h1', () => late.promise);
    late.fail(new Error('timed out'));
    await assert.rejects(failing, /timed out/);
  });
});
