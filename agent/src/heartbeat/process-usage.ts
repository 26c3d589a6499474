import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux the agent supports). */
const TICKS_PER_SECOND = 100;

interface Last {
  ticks: number;
  at: number;
}

/**
 * CPU and resident memory of the processes the agent supervises, from /proc: CPU is the share of one core used since
 * that process was last sampled (100 = one full core), memory its resident set. Undefined where /proc has nothing
 * (the process just exited, or this is not Linux).
 */
export class ProcessUsage {
  private readonly last = new Map<number, Last>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** One reading of `pid`; the first one of a process has no CPU figure yet. */
  sample(pid: number): { cpuPercent?: number; rssMb?: number } {
    let stat: string;
    let status: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      this.last.delete(pid);
      return {};
    }
    // Fields after the command name (which may hold spaces) start after its closing parenthesis: utime is the 14th
    // field of the line, stime the 15th, that is the 12th and 13th after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    const at = this.now();
    const before = this.last.get(pid);
    this.last.set(pid, { ticks, at });
    const usage: { cpuPercent?: number; rssMb?: number } = {};
    if (Number.isFinite(rssKb)) usage.rssMb = Math.round(rssKb / 102.4) / 10;
    if (before !== undefined && at > before.at && ticks >= before.ticks) {
      usage.cpuPercent = Math.round((1000 * ((ticks - before.ticks) / TICKS_PER_SECOND)) / ((at - before.at) / 1000)) / 10;
    }
    return usage;
  }

  /** Forgets processes no longer supervised. */
  retain(pids: ReadonlySet<number>): void {
    for (const pid of this.last.keys()) if (!pids.has(pid)) this.last.delete(pid);
  }
}
