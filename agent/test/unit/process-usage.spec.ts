import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ProcessUsage } from '../../src/heartbeat/process-usage.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('agent process usage', () => {
  it('process usage - a busy process shows about one core, an idle one about none, both with their resident memory', async () => {
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}']);
    const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      const usage = new ProcessUsage();
      await sleep(300);
      const first = usage.sample(busy.pid!);
      assert.equal(first.cpuPercent, undefined, 'no CPU figure before a second reading');
      assert.ok(first.rssMb !== undefined && first.rssMb > 10, `resident memory ${first.rssMb} MB`);
      usage.sample(idle.pid!);
      await sleep(1_000);
      const hot = usage.sample(busy.pid!);
      const cold = usage.sample(idle.pid!);
      assert.ok(hot.cpuPercent! > 25, `a spinning process uses much of a core (${hot.cpuPercent} %)`);
      assert.ok(cold.cpuPercent! < 10, `a waiting process uses almost none (${cold.cpuPercent} %)`);
    } finally {
      busy.kill('SIGKILL');
      idle.kill('SIGKILL');
    }
    await sleep(100);
    assert.deepEqual(new ProcessUsage().sample(busy.pid!), {}, 'a process that is gone has no figures');
  });
});
