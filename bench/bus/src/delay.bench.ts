// Lateness of 10,000 delayed messages (due 5-15 s ahead) from due time to handler entry, after 2,000 warm-up messages.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MessageBus } from '@msec/bus';
import { NatsRole } from '@msec/contracts';
import { startNats, startRedis } from '@msec/testing';
import { emit, environment, percentile, pool, processCpuUs } from './stats.js';

const MESSAGES = Number(process.env.BENCH_DELAYED ?? 10_000);
const SPREAD_MS = 10_000;
const LEAD_MS = 5_000;
const WARMUP = Number(process.env.BENCH_DELAY_WARMUP ?? 2_000);

const [nats, redisServer] = await Promise.all([startNats(), startRedis()]);
const nc = await nats.connect();
// The scheduler runs in its own process, as it is deployed (and so it gets its own event loop).
// BENCH_SCHEDULER_ARGS passes node flags to it (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
const schedulerArgs = process.env.BENCH_SCHEDULER_ARGS?.split(' ').filter(Boolean) ?? [];
const scheduler = spawn(
  process.execPath,
  [
    ...schedulerArgs,
    fileURLToPath(new URL('./scheduler-process.js', import.meta.url)),
    nats.url,
    redisServer.url,
    (await nats.credsFile(NatsRole.deploy))!,
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const exited = new Promise((resolve) => scheduler.once('exit', resolve));
try {
  const bus = new MessageBus(nc, { producer: 'bench' });
  await bus.init();
  await new Promise<void>((resolve, reject) => {
    scheduler.stdout!.once('data', () => resolve());
    scheduler.once('exit', (code) => reject(new Error(`scheduler exited with ${code}`)));
  });
  const lateness: number[] = [];
  // The scheduler's own share: lateness when it published the message (from its trace records).
  const dispatchLate: number[] = [];
  nc.subscribe('msec.trace.>', {
    callback: (_e, m) => {
      const rec = m.json<{ kind: string; subject?: string; lateMs?: number }>();
      if (rec.kind === 'dispatched' && rec.subject === 'bench.delayed' && rec.lateMs !== undefined) dispatchLate.push(rec.lateMs);
    },
  });
  let early = 0;
  const done = new Promise<void>((resolve) => {
    void bus.subscribe(
      'bench.delayed',
      (m) => {
        const late = Date.now() - m.deliverAt!.getTime();
        if (late < 0) early++;
        lateness.push(late);
        if (process.env.BENCH_DEBUG && late > 50) process.stderr.write(`late ${late} ms, due +${m.deliverAt!.getTime() - start} ms\n`);
        if (lateness.length === MESSAGES) resolve();
      },
      { group: 'bench', concurrency: 64 },
    );
  });
  // Warm the path once (scheduler intake, dispatch and clean-up; consumer), as a running deployment is: a cold
  // process runs its first thousands of messages unoptimised, which is start-up cost, not lateness.
  let warmed = 0;
  await bus.subscribe('bench.warmup', () => void warmed++, { group: 'bench', concurrency: 64 });
  const warmAt = Date.now() + 600;
  await pool(WARMUP, 64, async (i) => {
    await bus.publish('bench.warmup', { i }, { deliverAt: warmAt + Math.floor((i / WARMUP) * 1_000) });
  });
  while (warmed < WARMUP) await new Promise((r) => setTimeout(r, 50));
  const cpuAtStart = { self: process.cpuUsage(), nats: processCpuUs(nats.pid), redis: processCpuUs(redisServer.pid) };
  const start = Date.now();
  await pool(MESSAGES, 64, async (i) => {
    await bus.publish('bench.delayed', { i }, { deliverAt: start + LEAD_MS + Math.floor((i / MESSAGES) * SPREAD_MS) });
  });
  const publishMs = Date.now() - start;
  const stuck = setTimeout(() => {
    process.stderr.write(`delay bench: only ${lateness.length}/${MESSAGES} delivered after 120 s\n`);
    process.exit(1);
  }, 120_000);
  await done;
  clearTimeout(stuck);
  await bus.close();
  const self = process.cpuUsage(cpuAtStart.self);
  const otherCpuUs = {
    bench: self.user + self.system,
    nats: processCpuUs(nats.pid) - cpuAtStart.nats,
    redis: processCpuUs(redisServer.pid) - cpuAtStart.redis,
  };
  const schedulerCpuUs = await new Promise<number>((resolve) => {
    let out = '';
    scheduler.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { cpuUs: number }).cpuUs);
    });
    scheduler.kill('SIGTERM');
  });
  emit({
    scenario: 'delay',
    messages: MESSAGES,
    warmupMessages: WARMUP,
    spreadMs: SPREAD_MS,
    publishMs,
    latenessP50Ms: percentile(lateness, 50),
    latenessP99Ms: percentile(lateness, 99),
    latenessMaxMs: Math.max(...lateness),
    dispatchLatenessP50Ms: percentile(dispatchLate, 50),
    dispatchLatenessP99Ms: percentile(dispatchLate, 99),
    early,
    // CPU per delayed message: the scheduler over its life (warm-up included); producer + consumer, nats-server and redis-server after warm-up.
    schedulerCpuUsPerMessage: Math.round(schedulerCpuUs / (MESSAGES + WARMUP)),
    benchCpuUsPerMessage: Math.round(otherCpuUs.bench / MESSAGES),
    natsCpuUsPerMessage: Math.round(otherCpuUs.nats / MESSAGES),
    redisCpuUsPerMessage: Math.round(otherCpuUs.redis / MESSAGES),
    ...environment(),
  });
} finally {
  if (!scheduler.killed) scheduler.kill('SIGTERM');
  await exited;
  await nc.close();
  await Promise.all([nats.dispose(), redisServer.dispose()]);
}
