import { fork, spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindService, loadProto, RpcClient } from '@msec/rpc';
import { defineService, serve } from '@msec/sdk';
import { freePort } from '@msec/testing';
import { measure } from './bench-kit.js';

/**
 * Echo.mod_python (examples/python-echo on sdk/python) against the same echo.echo_service written with the TypeScript
 * SDK, each in its own process without telemetry, called from this process by address over the SRPC frame: 1 and 64
 * calls in flight. Prints a markdown table for docs/BENCHMARKS.md.
 * Usage: node bench/rpc/dist/src/python-echo.js   (BENCH_SECONDS=5 per row by default)
 */
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');
const proto = join(repo, 'examples', 'python-echo', 'proto', 'echo.proto');
const seconds = Number(process.env.BENCH_SECONDS ?? '5');

if (process.argv[2] === 'ts-server') {
  const echo = defineService(proto, 'echo.echo_service', {
    echo: (request: { message: string }) => ({ message: request.message }),
    greet: () => ({ message: '', passwordOk: false }),
  });
  await serve(echo, { port: Number(process.argv[3]), handleSignals: true });
  process.send?.('ready');
} else {
  const env = { ...process.env, MSEC_NATS_URL: '', MSEC_ZK_CONNECT: '', MSEC_SERVICE: '' };
  const children: ChildProcess[] = [];
  process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  const waitPort = async (port: number): Promise<void> => {
    const client = new RpcClient({ caller: 'Bench.probe', timeoutMs: 500 });
    const method = bindService(await loadProto(proto), 'echo.echo_service').methods.echo!;
    for (let i = 0; i < 100; i++) {
      if (
        await client.call({ host: '127.0.0.1', port }, method, { message: 'up?' }).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    client.close();
  };
  const pyPort = await freePort();
  children.push(
    spawn('python3', ['main.py'], {
      cwd: join(repo, 'examples', 'python-echo'),
      env: { ...env, MSEC_PORT: String(pyPort), PYTHONPATH: join(repo, 'sdk', 'python'), PYTHONDONTWRITEBYTECODE: '1' },
      stdio: 'ignore',
    }),
  );
  const tsPort = await freePort();
  children.push(fork(fileURLToPath(import.meta.url), ['ts-server', String(tsPort)], { env, stdio: 'ignore' }));
  await Promise.all([waitPort(pyPort), waitPort(tsPort)]);

  const method = bindService(await loadProto(proto), 'echo.echo_service').methods.echo!;
  const load = loadavg()[0]!.toFixed(1);
  const rows: string[] = [];
  for (const concurrency of [1, 64]) {
    for (const [name, port] of [
      ['Python (sdk/python)', pyPort],
      ['TypeScript (@msec/sdk)', tsPort],
    ] as const) {
      const client = new RpcClient({ caller: 'Bench.caller', timeoutMs: 5_000 });
      const m = await measure(() => client.call({ host: '127.0.0.1', port }, method, { message: 'hello' }), {
        concurrency,
        durationMs: seconds * 1000,
        warmupMs: 1000,
      });
      const pct = (p: number): string =>
        m.latencies[Math.min(m.latencies.length - 1, Math.floor((p / 100) * m.latencies.length))]!.toFixed(3);
      rows.push(
        `| ${name} | ${concurrency} | ${Math.round((m.ops / m.elapsedMs) * 1000).toLocaleString('en-US')} | ${pct(50)} | ${pct(99)} |`,
      );
      client.close();
    }
  }
  process.stdout.write(
    [
      `Node ${process.version}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${new Date().toISOString()}; 1-minute load average ${load} before.`,
      '',
      '| echo service | in flight | calls/s | p50 ms | p99 ms |',
      '| ------------ | --------: | ------: | -----: | -----: |',
      ...rows,
      '',
    ].join('\n'),
  );
  process.exit(0);
}
