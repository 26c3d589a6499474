import protobuf from 'protobufjs';
import { client, closeSharedRuntime, closeTelemetry, defineService, serve, type RequestContext } from '@msec/sdk';
import { benchSeconds, measure, PIPELINE_DEPTH, type BenchResult } from './bench-kit.js';

/**
 * One side of the telemetry-cost scenario, run as its own process through the public SDK:
 * `server` serves bench.EchoService (one INFO log line per call when BENCH_TELEMETRY=on), `caller <port>` calls it
 * with 64 in flight and prints the measurement as its last stdout line. Telemetry is whatever the environment says
 * (MSEC_NATS_URL and MSEC_SERVICE on, neither off), as for a released instance.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    bench: {
      nested: {
        EchoRequest: { fields: { text: { type: 'string', id: 1 }, seq: { type: 'uint32', id: 2 } } },
        EchoReply: { fields: { text: { type: 'string', id: 1 }, seq: { type: 'uint32', id: 2 } } },
        EchoService: { methods: { Echo: { requestType: 'EchoRequest', responseType: 'EchoReply' } } },
      },
    },
  },
});

interface EchoMessage {
  text: string;
  seq: number;
}

const [role, target] = process.argv.slice(2);
const logLines = process.env.BENCH_TELEMETRY === 'on' && process.env.BENCH_LOG_LINES !== '0';

if (role === 'server') {
  const echo = (request: EchoMessage, context: RequestContext): EchoMessage => {
    if (logLines) context.log.info('echo', { seq: request.seq });
    return request;
  };
  const running = await serve(defineService(root, 'bench.EchoService', { Echo: echo as never }), { port: 0, handleSignals: false });
  process.send?.(`PORT ${running.port}`);
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    if (m === 'stop') void running.stop().then(() => process.exit(0));
  });
} else if (role === 'caller') {
  type EchoClient = { Echo(request: EchoMessage): Promise<EchoMessage> };
  const echo = await client<EchoClient>(`127.0.0.1:${target}`, 'bench.EchoService', { proto: root });
  let seq = 0;
  const op = (): Promise<EchoMessage> => echo.Echo({ text: 'hello msec', seq: seq++ });
  const warmup = await measure(op, { concurrency: PIPELINE_DEPTH, durationMs: 1000, warmupMs: 0 });
  const cpu0 = process.cpuUsage();
  const m = await measure(op, { concurrency: PIPELINE_DEPTH, durationMs: benchSeconds() * 1000, warmupMs: 0 });
  const cpu = process.cpuUsage(cpu0);
  const q = (p: number): number => m.latencies[Math.min(m.latencies.length - 1, Math.floor(p * m.latencies.length))] ?? 0;
  const result: Pick<BenchResult, 'opsPerSec' | 'p50Ms' | 'p99Ms' | 'ops'> & { totalOps: number; cpuUsPerCall: number } = {
    opsPerSec: Math.round((m.ops * 1000) / m.elapsedMs),
    p50Ms: Math.round(q(0.5) * 1000) / 1000,
    p99Ms: Math.round(q(0.99) * 1000) / 1000,
    ops: m.ops,
    // Calls the server answered for this caller, warm-up included (its CPU is read around the whole run).
    totalOps: warmup.ops + m.ops,
    cpuUsPerCall: (cpu.user + cpu.system) / m.ops,
  };
  closeSharedRuntime();
  await closeTelemetry();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  throw new Error(`unknown role ${role ?? ''}; use server or caller <port>`);
}
