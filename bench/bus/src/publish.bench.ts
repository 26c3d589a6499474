// Acknowledged publish throughput and end-to-end latency: @msec/bus versus raw JetStream, same run.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos, nuid } from '@nats-io/transport-node';
import { BusStreams, MessageBus, busStreamConfigs } from '@msec/bus';
import { startNats } from '@msec/testing';
import { emit, environment, percentile, pool, processCpuUs } from './stats.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const E2E_MESSAGES = 2_000;
const body = { orderId: 'o-000000000001', amount: 1234, currency: 'EUR', items: ['a1', 'b2', 'c3'], note: 'x'.repeat(40) };
const payload = new TextEncoder().encode(JSON.stringify(body));

function medianRatio(a: number[], b: number[]): number {
  return Number(
    percentile(
      a.map((x, i) => x / b[i]!),
      50,
    ).toFixed(3),
  );
}

const nats = await startNats();
const nc = await nats.connect();
try {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  // The raw stream gets the bus message stream's limits, so the comparison isolates the library.
  const busMq = busStreamConfigs().find((c) => c.name === BusStreams.messages)!;
  await jsm.streams.add({ ...busMq, name: 'RAW_BENCH', subjects: ['raw.>'] });
  const bus = new MessageBus(nc, { producer: 'bench' });
  await bus.init();
  // Same bus without the publish index (deliveries still traced): what the batched publish index costs.
  const lite = new MessageBus(nc, { producer: 'bench', trace: { publish: false } });

  // Both paths start from the same object: raw JetStream users serialise too.
  const raw = async (): Promise<void> => void (await js.publish('raw.order.created', JSON.stringify(body), { msgID: nuid.next() }));
  const viaBus = async (): Promise<void> => void (await bus.publish('order.created', body));
  const viaLite = async (): Promise<void> => void (await lite.publish('order.created', body));

  // Warm both paths, then alternate rounds so drift hits both alike.
  await pool(2_000, WINDOW, raw);
  await pool(2_000, WINDOW, viaBus);
  await pool(2_000, WINDOW, viaLite);
  const rawRates: number[] = [];
  const busRates: number[] = [];
  const liteRates: number[] = [];
  // CPU time per publish (µs) in this process and in nats-server, summed over the rounds: steadier than
  // msg/s on a shared machine, since time spent waiting for a core is not counted.
  const cpu = { raw: { client: 0, server: 0 }, bus: { client: 0, server: 0 }, lite: { client: 0, server: 0 } };
  const round = async (task: () => Promise<void>, rates: number[], spent: { client: number; server: number }): Promise<void> => {
    const self = process.cpuUsage();
    const server = processCpuUs(nats.pid);
    const t = performance.now();
    await pool(MESSAGES, WINDOW, task);
    rates.push(MESSAGES / ((performance.now() - t) / 1000));
    const used = process.cpuUsage(self);
    spent.client += used.user + used.system;
    spent.server += processCpuUs(nats.pid) - server;
  };
  for (let r = 0; r < ROUNDS; r++) {
    await round(raw, rawRates, cpu.raw);
    await round(viaBus, busRates, cpu.bus);
    await round(viaLite, liteRates, cpu.lite);
  }
  const perPublish = (us: number): number => Number((us / (MESSAGES * ROUNDS)).toFixed(1));
  const rawOps = percentile(rawRates, 50);
  const busOps = percentile(busRates, 50);
  const liteOps = percentile(liteRates, 50);

  // End to end: one message in flight at a time, publish call to handler entry.
  const rawLat: number[] = [];
  await jsm.consumers.add('RAW_BENCH', {
    durable_name: 'raw_e2e',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    filter_subject: 'raw.e2e',
    ack_wait: nanos(30_000),
  });
  const rawConsumer = await js.consumers.get('RAW_BENCH', 'raw_e2e');
  let rawWaiter: (() => void) | undefined;
  const rawMessages = await rawConsumer.consume({
    callback: (m) => {
      m.ack();
      rawWaiter?.();
    },
  });
  for (let i = 0; i < E2E_MESSAGES; i++) {
    const t = performance.now();
    const got = new Promise<void>((r) => (rawWaiter = r));
    await js.publish('raw.e2e', JSON.stringify(body));
    await got;
    rawLat.push(performance.now() - t);
  }
  await rawMessages.close();

  const busLat: number[] = [];
  let busWaiter: (() => void) | undefined;
  await bus.subscribe('bench.e2e', () => busWaiter?.(), { group: 'bench' });
  for (let i = 0; i < E2E_MESSAGES; i++) {
    const t = performance.now();
    const got = new Promise<void>((r) => (busWaiter = r));
    await bus.publish('bench.e2e', body);
    await got;
    busLat.push(performance.now() - t);
  }
  await bus.close();

  emit({
    scenario: 'publish',
    messages: MESSAGES,
    window: WINDOW,
    rounds: ROUNDS,
    bodyBytes: payload.length,
    rawOpsPerSec: Math.round(rawOps),
    busOpsPerSec: Math.round(busOps),
    // Median of per-round ratios: adjacent rounds share the machine's load, so drift cancels.
    ratio: medianRatio(busRates, rawRates),
    busNoPublishTraceOpsPerSec: Math.round(liteOps),
    ratioNoPublishTrace: medianRatio(liteRates, rawRates),
    liteRates: liteRates.map(Math.round),
    rawRates: rawRates.map(Math.round),
    busRates: busRates.map(Math.round),
    rawClientCpuUs: perPublish(cpu.raw.client),
    rawServerCpuUs: perPublish(cpu.raw.server),
    busClientCpuUs: perPublish(cpu.bus.client),
    busServerCpuUs: perPublish(cpu.bus.server),
    liteClientCpuUs: perPublish(cpu.lite.client),
    liteServerCpuUs: perPublish(cpu.lite.server),
    e2eMessages: E2E_MESSAGES,
    rawE2eP50Ms: Number(percentile(rawLat, 50).toFixed(3)),
    rawE2eP99Ms: Number(percentile(rawLat, 99).toFixed(3)),
    busE2eP50Ms: Number(percentile(busLat, 50).toFixed(3)),
    busE2eP99Ms: Number(percentile(busLat, 99).toFixed(3)),
    ...environment(),
  });
} finally {
  await nc.close();
  await nats.dispose();
}
