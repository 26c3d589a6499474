// Resident memory of the host agent, idle and while supervising 10 instances, against a real nats-server.
// Usage: node bench/agent/dist/src/memory.js [AGENT_MAIN ...]   (default: this checkout's agent/dist/src/main.js;
// give another build's main.js too to compare side by side in one run). Prints one JSON line per agent.
// BENCH_AGENT_FLAGS='' runs them without the agent's Node flags.
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Objm } from '@nats-io/obj';
import { DeploySubjects, NatsRole, publicKeyId, signCommand, type CanonicalValue, type CommandReply } from '@msec/contracts';
import { freePort, startNats } from '@msec/testing';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const INSTANCES = 10;
/** The flags the launcher, start-agent.sh and docker-compose.yml start the agent with (BENCH_AGENT_FLAGS replaces them). */
const AGENT_FLAGS = (process.env.BENCH_AGENT_FLAGS ?? '--max-semi-space-size=1').split(' ').filter(Boolean);
const SERVER = `import { createServer } from 'node:http';
createServer((q, r) => r.end('ok')).listen(Number(process.env.MSEC_PORT), process.env.MSEC_HOST || '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

function packageTarball(dir: string): Buffer {
  mkdirSync(join(dir, 'pkg'), { recursive: true });
  writeFileSync(join(dir, 'pkg', 'manifest.json'), JSON.stringify({ name: 'mem-echo', version: '1.0.0', entry: 'server.mjs' }));
  writeFileSync(join(dir, 'pkg', 'server.mjs'), SERVER);
  execFileSync('tar', ['-czf', join(dir, 'pkg.tgz'), '-C', join(dir, 'pkg'), '.']);
  return readFileSync(join(dir, 'pkg.tgz'));
}

async function measure(agentMain: string): Promise<Record<string, unknown>> {
  const nats = await startNats();
  const nc = await nats.connect();
  const dir = mkdtempSync(join(tmpdir(), 'msec-test-agent-mem-'));
  const hostId = 'mem-host';
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'console.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const keyId = publicKeyId(publicKey);
  const bytes = packageTarball(dir);
  const bucket = await new Objm(nc).create('msec_packages');
  await bucket.putBlob({ name: 'mem-echo/1.0.0.tar.gz' }, bytes);
  const agent = spawn(process.execPath, [...AGENT_FLAGS, agentMain], {
    env: {
      ...process.env,
      ...(await nats.envFor(NatsRole.agent, hostId)),
      MSEC_HOST_ID: hostId,
      MSEC_HOST_IP: '127.0.0.1',
      MSEC_CONSOLE_KEY: join(dir, 'console.pub'),
      MSEC_AGENT_DIR: join(dir, 'agent'),
    },
    stdio: 'ignore',
  });
  const run = async (type: string, args: { [key: string]: CanonicalValue }): Promise<CommandReply> => {
    const now = Date.now();
    const command = signCommand(
      { v: 1, hostId, commandId: randomUUID(), issuedAt: now, expiresAt: now + 30_000, nonce: randomBytes(16).toString('hex'), type, args },
      privateKey,
      keyId,
    );
    for (;;) {
      try {
        return (await nc.request(DeploySubjects.agentCommand(hostId), JSON.stringify(command), { timeout: 20_000 })).json<CommandReply>();
      } catch {
        await sleep(200); // not listening yet
      }
    }
  };
  try {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const installed = await run('install-package', {
      name: 'mem-echo',
      version: '1.0.0',
      bucket: 'msec_packages',
      object: 'mem-echo/1.0.0.tar.gz',
      sha256,
      size: bytes.length,
    });
    if (!installed.ok) throw new Error(`install failed: ${JSON.stringify(installed)}`);
    await sleep(5_000);
    const idle = rssMiB(agent.pid!);
    for (let i = 0; i < INSTANCES; i += 1) {
      const started = await run('start-instance', {
        name: `mem-${i}`,
        service: 'Bench.mem',
        package: 'mem-echo',
        version: '1.0.0',
        port: await freePort(),
      });
      if (!started.ok) throw new Error(`start failed: ${JSON.stringify(started)}`);
    }
    // Several heartbeats and a minute's worth of supervision bookkeeping before reading.
    await sleep(15_000);
    const supervising = rssMiB(agent.pid!);
    return {
      agent: agentMain.replace(`${REPO}/`, ''),
      flags: AGENT_FLAGS.join(' '),
      idleMiB: +idle.toFixed(1),
      tenInstancesMiB: +supervising.toFixed(1),
    };
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    await nc.close();
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mains = process.argv.slice(2);
for (const main of mains.length ? mains : [join(REPO, 'agent', 'dist', 'src', 'main.js')]) {
  process.stdout.write(`${JSON.stringify(await measure(resolve(main)))}\n`);
}
