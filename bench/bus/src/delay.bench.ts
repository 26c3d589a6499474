// Lateness of 10,000 delayed messages (due 5-15 s ahead) from due time to handler entry.
import { connect } from '@nats-io/transport-node';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MessageBus } from '@msec/bus';
import { startNats, startRedis } from '@msec/testing';
import { emit, environment, percentile, pool } from './stats.js';

const MESSAGES = Number(process.env.BENCH_DELAYED ?? 10_000);
const SPREAD_MS = 10_000;
const LEAD_MS = 5_000;

const [nats, redisServer] = await Promise.all([startNats(), startRedis()]);
const nc = await connect({ servers: nats.url });
// The scheduler runs in its own process, as it is deployed (and so it gets its own event loop).
const scheduler = spawn(process.execPath, [fileURLToPath(new URL('./scheduler-process.js', import.meta.url)), nats.url, redisServer.url], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
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
      const rec = m.json<{ kind: string; lateMs?: number }>();
      if (rec.kind === 'dispatched' && rec.lateMs !== undefined) dispatchLate.push(rec.lateMs);
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
        if (lateness.length === MESSAGES) resolve();
      },
      { group: 'bench', concurrency: 64 },
    );
  });
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
  emit({
    scenario: 'delay',
    messages: MESSAGES,
    spreadMs: SPREAD_MS,
    publishMs,
    latenessP50Ms: percentile(lateness, 50),
    latenessP99Ms: percentile(lateness, 99),
    latenessMaxMs: Math.max(...lateness),
    dispatchLatenessP50Ms: percentile(dispatchLate, 50),
    dispatchLatenessP99Ms: percentile(dispatchLate, 99),
    early,
    ...environment(),
  });
} finally {
  const exited = new Promise((r) => scheduler.once('exit', r));
  scheduler.kill('SIGTERM');
  await exited;
  await nc.close();
  await Promise.all([nats.dispose(), redisServer.dispose()]);
}
