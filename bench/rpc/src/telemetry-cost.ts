import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Component, NatsRole, Subjects, type HealthReport } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, TEMP_DIR_PREFIX } from '@msec/testing';
import { format } from 'prettier';

/**
 * The cost of telemetry on the call path, side by side in one run: an SDK echo service and an SDK caller (separate
 * processes, 64 in flight) with telemetry off, and the same pair reporting to a real nats-server (auth on) with the
 * log and monitor services consuming: caller and callee statistics, default trace sampling, one INFO line per call.
 * Rounds alternate off/on; the median of each is compared. Writes the "## RPC telemetry cost" section of docs/BENCHMARKS.md.
 * Usage: node bench/rpc/dist/src/telemetry-cost.js [rounds=5]   (BENCH_SECONDS=5 per round by default)
 */
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');
const rounds = Math.max(1, Number(process.argv[2] ?? '5') || 5);
const seconds = process.env.BENCH_SECONDS ?? '5';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Round {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU µs per call of the caller process, and of the server process (added here). */
  cpuUsPerCall: number;
  serverCpuUsPerCall: number;
  totalOps: number;
}

/** A server process: its port and a way to read its CPU time. */
interface EchoServer {
  port: number;
  cpu(): Promise<number>;
}

const nats = await startNats();
const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}telemetry-bench-`));
const children: ChildProcess[] = [];
const stopAll = (): void => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', stopAll);

try {
  for (const part of [Component.log, Component.monitor] as const) {
    const env = { ...process.env, ...(await nats.envFor(part)), MSEC_DATA_DIR: join(dir, part) };
    children.push(
      spawn(process.execPath, [join(repo, `services/${part}/dist/src/main.js`)], { env, stdio: ['ignore', 'ignore', 'inherit'] }),
    );
  }
  const nc = await nats.connect();
  for (const part of [Component.log, Component.monitor]) {
    for (let i = 0; ; i++) {
      const report = await natsRequest<HealthReport>(nc, Subjects.health(part), {}, 1000).catch(() => undefined);
      if (report?.ready) break;
      if (i > 100) throw new Error(`${part} never became healthy`);
      await sleep(200);
    }
  }
  await nc.close();

  const offEnv = { ...process.env, MSEC_NATS_URL: '', MSEC_SERVICE: '', BENCH_TELEMETRY: 'off', BENCH_SECONDS: seconds };
  const onEnv = async (service: string): Promise<NodeJS.ProcessEnv> => ({
    ...process.env,
    ...(await nats.envFor(NatsRole.service, service)),
    MSEC_SERVICE: service,
    MSEC_DATA_DIR: join(dir, service),
    BENCH_TELEMETRY: 'on',
    BENCH_SECONDS: seconds,
  });
  const startServer = (env: NodeJS.ProcessEnv): Promise<EchoServer> => {
    // BENCH_PROFILE=<dir> writes a CPU profile of each echo service there (when it stops), and of each caller under <dir>/caller.
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    const child = fork(join(here, 'telemetry-echo.js'), ['server'], {
      env,
      execArgv: profile,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(child);
    const cpu = (): Promise<number> =>
      new Promise((done) => {
        const onMessage = (reply: unknown): void => {
          if (typeof reply !== 'object' || reply === null || !('cpu' in reply)) return;
          child.off('message', onMessage);
          const usage = (reply as { cpu: NodeJS.CpuUsage }).cpu;
          done(usage.user + usage.system);
        };
        child.on('message', onMessage);
        child.send('cpu');
      });
    return new Promise((resolve, reject) => {
      child.once('message', (m) => resolve({ port: Number(String(m).split(' ')[1]), cpu }));
      child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
    });
  };
  const offServer = await startServer(offEnv);
  const onServer = await startServer(await onEnv('Bench.echo'));
  // The same, without the log line: what statistics and sampling alone cost.
  const quietServer = await startServer({ ...(await onEnv('Bench.echo')), BENCH_LOG_LINES: '0' });
  // The same, shipping every line (no per-second line budget): what the whole log pipeline costs.
  const floodServer = await startServer({ ...(await onEnv('Bench.echo')), MSEC_LOG_MAX_LINES_PER_SECOND: '0' });
  const callerOn = await onEnv('Bench.caller');
  const run = async (server: EchoServer, env: NodeJS.ProcessEnv): Promise<Round> => {
    const before = await server.cpu();
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}/caller`] : [];
    const out = spawnSync(process.execPath, [...profile, join(here, 'telemetry-echo.js'), 'caller', String(server.port)], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const last = out.stdout.trim().split('\n').pop() ?? '';
    let round: Round;
    try {
      round = JSON.parse(last) as Round;
    } catch {
      throw new Error(`caller failed (exit ${String(out.status)}): ${out.stderr}`);
    }
    round.serverCpuUsPerCall = ((await server.cpu()) - before) / round.totalOps;
    return round;
  };

  const loadBefore = loadavg()[0]!;
  const off: Round[] = [];
  const on: Round[] = [];
  const quiet: Round[] = [];
  const flood: Round[] = [];
  // One side reporting, the other not: which side's telemetry costs what.
  const callerOnly: Round[] = [];
  const serviceOnly: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    off.push(await run(offServer, offEnv));
    on.push(await run(onServer, callerOn));
    quiet.push(await run(quietServer, callerOn));
    callerOnly.push(await run(offServer, callerOn));
    serviceOnly.push(await run(quietServer, offEnv));
    const ops = (rs: Round[]): number => rs.at(-1)!.opsPerSec;
    process.stderr.write(`round ${i + 1}: off ${ops(off)}, on ${ops(on)}, on without log lines ${ops(quiet)} calls/s\n`);
  }
  // Shipping every line leaves the log service a backlog that would take CPU from the rounds after it: these
  // rounds run last.
  for (let i = 0; i < rounds; i++) {
    flood.push(await run(floodServer, callerOn));
    process.stderr.write(`round ${i + 1}: on shipping every line ${flood.at(-1)!.opsPerSec} calls/s\n`);
  }
  const median = (rs: Round[], key: keyof Round): number => [...rs].map((r) => r[key]).sort((a, b) => a - b)[Math.floor(rs.length / 2)]!;
  const cpuPerCall = (rs: Round[]): number => median(rs, 'cpuUsPerCall') + median(rs, 'serverCpuUsPerCall');
  const row = (name: string, rs: Round[]): string =>
    `| ${name} | ${median(rs, 'opsPerSec').toLocaleString('en-US')} | ${median(rs, 'p50Ms').toFixed(3)} | ${median(rs, 'p99Ms').toFixed(3)} | ` +
    `${median(rs, 'cpuUsPerCall').toFixed(2)} + ${median(rs, 'serverCpuUsPerCall').toFixed(2)} = ${cpuPerCall(rs).toFixed(2)} | ${rs.map((r) => r.opsPerSec).join(', ')} |`;
  const throughput = median(on, 'opsPerSec') / median(off, 'opsPerSec');
  const p99 = median(on, 'p99Ms') / median(off, 'p99Ms');
  const cpu = cpus();
  const section = [
    '## RPC telemetry cost',
    '',
    `Command: \`npx tsc -b bench/rpc && node bench/rpc/dist/src/telemetry-cost.js ${rounds}\` (BENCH_SECONDS=${seconds} per round; rounds alternate off, on, on without the log line and one side on; the rounds shipping every line run after them; medians).`,
    `Node ${process.version}, ${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}, ${new Date().toISOString()}; 1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after.`,
    'An SDK echo service and an SDK caller in separate processes, 64 calls in flight, < 100-byte messages. Off: no NATS. On: both',
    'report to a real nats-server (authentication on) with the log and monitor services consuming: caller and callee statistics,',
    'traces sampled at the default rate (1 %, at most 100 per second), one INFO log line per call, shipped within the default line',
    'budget (1,000 lines per second below WARN per process; lines of traced or coloured requests always; the rest counted in',
    'Monitoring as `msec.log.lines_suppressed`).',
    'On this two-core machine the nats-server, the log and monitor services share the cores with the pair; the CPU column counts only the caller and service processes.',
    '',
    '| telemetry | calls/s | p50 ms | p99 ms | CPU µs per call (caller + service) | calls/s of each round |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    row('off', off),
    row('on', on),
    row('on, no log line', quiet),
    row('caller on, service off', callerOnly),
    row('service on (no log line), caller off', serviceOnly),
    row('on, every line shipped', flood),
    '',
    `- throughput on / off: ${throughput.toFixed(2)}× (target ≥ 0.9×)`,
    `- p99 on / off: ${p99.toFixed(2)}× (target ≤ 1.5×)`,
    `- without the log line (statistics of both sides and sampling only): throughput ${(median(quiet, 'opsPerSec') / median(off, 'opsPerSec')).toFixed(2)}×, p99 ${(median(quiet, 'p99Ms') / median(off, 'p99Ms')).toFixed(2)}×`,
    `- one side on: the caller's telemetry alone ${(median(callerOnly, 'opsPerSec') / median(off, 'opsPerSec')).toFixed(2)}×, the service's statistics and sampling alone ${(median(serviceOnly, 'opsPerSec') / median(off, 'opsPerSec')).toFixed(2)}× (the caller also sends its name in each request head once it has one)`,
    `- shipping every line (MSEC_LOG_MAX_LINES_PER_SECOND=0, the log service storing each): throughput ${(median(flood, 'opsPerSec') / median(off, 'opsPerSec')).toFixed(2)}×, p99 ${(median(flood, 'p99Ms') / median(off, 'p99Ms')).toFixed(2)}×`,
    `- CPU per call of the two processes, on / off: ${(cpuPerCall(on) / cpuPerCall(off)).toFixed(2)}× with the log line, ${(cpuPerCall(quiet) / cpuPerCall(off)).toFixed(2)}× without (steadier than calls/s on a shared machine; the NATS server and the log and monitor services are not counted)`,
    '',
  ].join('\n');
  writeSection(join(repo, 'docs', 'BENCHMARKS.md'), await format(section, { parser: 'markdown', printWidth: 140 }));
  process.stdout.write(section);
} finally {
  // Servers stop politely first (a profiled one writes its profile on exit).
  for (const child of children) if (child.connected) child.send('stop');
  await sleep(1500);
  stopAll();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(process.exitCode ?? 0);

/** Replaces the "## RPC telemetry cost" section of the benchmarks page (up to the next "## "), leaving the others alone. */
function writeSection(file: string, text: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === '## RPC telemetry cost');
  let page: string;
  if (start < 0) {
    page = `${lines.join('\n').trimEnd()}\n\n${text}`;
  } else {
    let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    if (end < 0) end = lines.length;
    page = [...lines.slice(0, start), ...text.trimEnd().split('\n'), '', ...lines.slice(end)].join('\n');
  }
  writeFileSync(file, page.endsWith('\n') ? page : `${page}\n`);
}
