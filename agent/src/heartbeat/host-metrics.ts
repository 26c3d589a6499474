import { statfsSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { HostMetrics } from '@msec/contracts';

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Samples CPU use since the previous sample, memory, load and the disk holding the agent folder. */
export class HostMetricsSampler {
  private last = cpuTimes();

  constructor(private readonly diskPath: string) {}

  /** One reading; CPU is the busy share since the previous call, 0..100. */
  sample(): HostMetrics {
    const now = cpuTimes();
    const total = now.total - this.last.total;
    const cpuPercent = total > 0 ? Math.round((1000 * (total - (now.idle - this.last.idle))) / total) / 10 : 0;
    this.last = now;
    let diskTotalBytes = 0;
    let diskFreeBytes = 0;
    try {
      const fs = statfsSync(this.diskPath);
      diskTotalBytes = fs.blocks * fs.bsize;
      diskFreeBytes = fs.bavail * fs.bsize;
    } catch {
      // disk figures stay 0 when the folder is unreadable; the health check reports that
    }
    const [l1, l5, l15] = loadavg();
    return {
      cpuPercent,
      load: [l1 ?? 0, l5 ?? 0, l15 ?? 0],
      memTotalBytes: totalmem(),
      memFreeBytes: freemem(),
      diskTotalBytes,
      diskFreeBytes,
    };
  }
}
