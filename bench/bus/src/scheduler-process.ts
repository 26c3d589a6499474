// The delay scheduler in its own process, as deployed: argv = nats url, redis url, creds file. Prints "ready", and its CPU time on SIGTERM.
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { DelayScheduler } from '@msec/bus';
import { natsCredsOptions } from '@msec/contracts/nats-creds';

const [natsUrl, redisUrl, credsFile] = process.argv.slice(2);
const nc = await connect({ ...(credsFile ? natsCredsOptions(credsFile, 'creds') : {}), servers: natsUrl! });
const redis = new Redis(redisUrl!);
const scheduler = new DelayScheduler(nc, redis);
await scheduler.start();
process.stdout.write('ready\n');
if (process.env.BENCH_DEBUG) {
  // Index size and due backlog twice a second, to see whether intake or dispatch falls behind.
  setInterval(() => {
    void Promise.all([redis.zcard('msec:delay:due'), redis.zcount('msec:delay:due', '-inf', Date.now())]).then(([size, due]) =>
      process.stderr.write(`${new Date().toISOString()} indexed=${size} overdue=${due}\n`),
    );
  }, 500);
}
process.on('SIGTERM', () => {
  // CPU the scheduler spent over its life (intake, index, dispatch), for the bench's per-message figure.
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuUs: cpu.user + cpu.system })}\n`);
  void scheduler.stop().finally(async () => {
    await nc.close();
    redis.disconnect();
    process.exit(0);
  });
});
