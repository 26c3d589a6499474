// Resident memory of a minimal SDK service (bench.EchoService through the public SDK, one INFO line per call) with
// telemetry off and on (reporting to a real nats-server, as every released instance does), idle and after calls.
// Usage: node bench/rpc/dist/src/service-memory.js
// Each case also runs with the message bus loaded at start (`--import @msec/bus`), which is what importing the SDK
// did while it re-exported the bus's tables: side by side in one run. Prints one JSON line per case.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { NatsRole } from '@msec/contracts';
import { client, closeSharedRuntime } from '@msec/sdk';
import { startNats } from '@msec/testing';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../../../..');
const CALLS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

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
type EchoClient = { Echo(request: { text: string; seq: number }): Promise<unknown> };

const nats = await startNats();
const dir = mkdtempSync(join(tmpdir(), 'msec-test-service-mem-'));
try {
  for (const telemetry of ['off', 'on'] as const) {
    for (const busAtStart of [false, true]) {
      const service = 'Bench.echo';
      const env =
        telemetry === 'on'
          ? {
              ...process.env,
              ...(await nats.envFor(NatsRole.service, service)),
              MSEC_SERVICE: service,
              MSEC_DATA_DIR: join(dir, service),
              BENCH_TELEMETRY: 'on',
            }
          : { ...process.env, MSEC_NATS_URL: '', MSEC_SERVICE: '', BENCH_TELEMETRY: 'off' };
      const child = fork(join(here, 'telemetry-echo.js'), ['server'], {
        env,
        cwd: REPO,
        execArgv: busAtStart ? ['--import', '@msec/bus'] : [],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      const port = await new Promise<number>((done, fail) => {
        child.once('message', (m) => done(Number(String(m).split(' ')[1])));
        child.once('exit', (code) => fail(new Error(`echo server exited with ${code}`)));
      });
      await sleep(3_000);
      const idle = rssMiB(child.pid!);
      const echo = await client<EchoClient>(`127.0.0.1:${port}`, 'bench.EchoService', { proto: root });
      for (let i = 0; i < CALLS; i += 64)
        await Promise.all(Array.from({ length: 64 }, (_, k) => echo.Echo({ text: 'hello msec', seq: i + k })));
      // A minute's report and a few log batches go out before reading.
      await sleep(5_000);
      const afterCalls = rssMiB(child.pid!);
      child.send('stop');
      await new Promise((r) => child.once('exit', r));
      process.stdout.write(
        `${JSON.stringify({ telemetry, busLoadedAtStart: busAtStart, idleMiB: +idle.toFixed(1), afterCallsMiB: +afterCalls.toFixed(1), calls: CALLS })}\n`,
      );
    }
  }
} finally {
  await closeSharedRuntime();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
}
