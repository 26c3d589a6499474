import { NatsRole } from '@msec/contracts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { freePort, startNats, type NatsTestServer } from '@msec/testing';
import { AgentProcess, consoleKey, envelope, send, signed, type ConsoleKey } from './helpers/agent-harness.js';

const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;
const HAS_JDK = spawnSync('javac', ['-version']).status === 0 && spawnSync('jar', ['--version']).status === 0;

/** A Java service: an HTTP server on the agent's port that answers with its service name. */
const JAVA_MAIN = `
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
public class Main {
  public static void main(String[] args) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(System.getenv("MSEC_HOST"), Integer.parseInt(System.getenv("MSEC_PORT"))), 0);
    server.createContext("/", exchange -> {
      byte[] body = ("java " + System.getenv("MSEC_SERVICE")).getBytes();
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }
}
`;

/** Compiles JAVA_MAIN into an executable jar (Main-Class: Main) and returns its bytes as base64 text. */
function javaJar(): string {
  const dir = mkdtempSync(join(tmpdir(), 'msec-agent-rt-java-'));
  try {
    writeFileSync(join(dir, 'Main.java'), JAVA_MAIN);
    execFileSync('javac', ['-d', join(dir, 'classes'), join(dir, 'Main.java')]);
    execFileSync('jar', ['--create', '--file', join(dir, 'app.jar'), '--main-class', 'Main', '-C', join(dir, 'classes'), '.']);
    return readFileSync(join(dir, 'app.jar')).toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Python service: answers every HTTP request with what the agent gave it; reports how it was stopped. */
const PYTHON_MAIN = `
import json, os, signal, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"service": os.environ.get("MSEC_SERVICE"), "pid": os.getpid(), "mode": os.environ.get("MODE"),
                           "nats": os.environ.get("MSEC_NATS_URL"), "zk": os.environ.get("MSEC_ZK_CONNECT")}).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = HTTPServer((os.environ["MSEC_HOST"], int(os.environ["MSEC_PORT"])), Handler)
try:
    server.serve_forever()
except KeyboardInterrupt:
    print("stopped by SIGINT", flush=True)
    sys.exit(0)
`;

/** A native-style executable (a #! script) that execs a static HTTP server on the agent's port. */
const EXEC_SERVER = `#!/bin/sh
echo "exec package on $MSEC_PORT"
exec python3 -m http.server "$MSEC_PORT" --bind "$MSEC_HOST"
`;

/** A tar.gz package with manifest.json and the given files (mode 0755 for names under bin/). */
function packageOf(name: string, version: string, entry: string, files: Record<string, string>): { bytes: Buffer; sha256: string } {
  const dir = mkdtempSync(join(tmpdir(), 'msec-agent-rt-pkg-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(root);
    writeFileSync(join(root, 'manifest.json'), JSON.stringify({ name, version, entry }));
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), content.startsWith('base64:') ? Buffer.from(content.slice(7), 'base64') : content);
      if (file.startsWith('bin/')) chmodSync(join(root, file), 0o755);
    }
    execFileSync('tar', ['-czf', join(dir, 'pkg.tgz'), '-C', root, '.']);
    const bytes = readFileSync(join(dir, 'pkg.tgz'));
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

describe('agent runtimes', { skip: HAS_PYTHON ? false : 'python3 is not installed' }, () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let dir: string;
  let key: ConsoleKey;
  let agent: AgentProcess;
  let bucket: ObjectStore;
  const hostId = 'rt-host-1';
  const hostIp = '127.0.0.1';

  const run = (type: string, args: Record<string, string | number | Record<string, string>>) =>
    send(nc, hostId, signed(key, envelope(hostId, type, args)), 20_000);
  const install = async (name: string, entry: string, files: Record<string, string>): Promise<void> => {
    const pkg = packageOf(name, '1.0.0', entry, files);
    const object = `${name}/1.0.0.tar.gz`;
    await bucket.putBlob({ name: object }, pkg.bytes);
    const reply = await run('install-package', {
      name,
      version: '1.0.0',
      bucket: 'msec_packages',
      object,
      sha256: pkg.sha256,
      size: pkg.bytes.length,
    });
    assert.equal(reply.ok, true, JSON.stringify(reply));
  };
  const start = async (name: string, pkg: string, port: number, env: Record<string, string> = {}) =>
    run('start-instance', { name, service: 'Demo.polyglot', package: pkg, version: '1.0.0', port, healthTimeoutMs: 15_000, env });

  before(async () => {
    nats = await startNats();
    nc = await nats.connect();
    bucket = await new Objm(nc).create('msec_packages');
    dir = mkdtempSync(join(tmpdir(), 'msec-agent-rt-'));
    key = consoleKey();
    agent = new AgentProcess(
      hostId,
      hostIp,
      join(dir, 'agent'),
      AgentProcess.writeKey(join(dir, 'console.pub'), key.publicPem),
      await nats.envFor(NatsRole.agent, hostId),
    );
    await agent.start(nc);
  });

  after(async () => {
    await agent?.stop();
    await nc?.close();
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('agent runtimes - a Python package runs as python3 main.py with the MSEC environment and msec.json env, restarts after a crash and stops with its stop signal', async () => {
    await install('py-svc', 'main.py', {
      'main.py': PYTHON_MAIN,
      'msec.json': JSON.stringify({ runtime: 'python', stopSignal: 'SIGINT', env: { MODE: 'fast' } }),
    });
    const port = await freePort();
    const started = await start('py-1', 'py-svc', port);
    assert.equal(started.ok, true, JSON.stringify(started));
    const first = (await (await fetch(`http://${hostIp}:${port}/`)).json()) as { service: string; pid: number; mode: string; nats: string };
    assert.equal(first.service, 'Demo.polyglot');
    assert.equal(first.mode, 'fast');
    assert.equal(first.nats, nats.url);

    process.kill(first.pid, 'SIGKILL');
    await eventually('the Python instance restarted', async () => {
      const body = (await (await fetch(`http://${hostIp}:${port}/`)).json()) as { pid: number };
      return body.pid !== first.pid ? body : undefined;
    });

    const stopped = await run('stop-instance', { name: 'py-1', graceMs: 5_000 });
    assert.equal(stopped.ok, true, JSON.stringify(stopped));
    assert.match(readFileSync(join(agent.stateDir, 'logs', 'py-1', 'stdout.log'), 'utf8'), /stopped by SIGINT/);
  });

  it('agent runtimes - a native executable package runs by itself and counts as up when its HTTP health path answers', async () => {
    await install('exec-svc', 'bin/server', {
      'bin/server': EXEC_SERVER,
      'msec.json': JSON.stringify({ runtime: 'exec', health: { type: 'http', path: '/msec.json' } }),
    });
    const port = await freePort();
    const started = await start('exec-1', 'exec-svc', port);
    assert.equal(started.ok, true, JSON.stringify(started));
    const res = await fetch(`http://${hostIp}:${port}/msec.json`);
    assert.equal(res.status, 200);
    assert.match(readFileSync(join(agent.stateDir, 'logs', 'exec-1', 'stdout.log'), 'utf8'), new RegExp(`exec package on ${port}`));
    assert.equal((await run('stop-instance', { name: 'exec-1' })).ok, true);
  });

  it('agent runtimes - a start command runs a host program with ${NAME} replaced from the environment', async () => {
    await install('sh-svc', 'run.sh', {
      'run.sh': 'echo "port from argument $1"\nexec python3 -m http.server "$1" --bind "$MSEC_HOST"\n',
      'msec.json': JSON.stringify({ start: ['/bin/sh', 'run.sh', '${MSEC_PORT}'] }),
    });
    const port = await freePort();
    const started = await start('sh-1', 'sh-svc', port);
    assert.equal(started.ok, true, JSON.stringify(started));
    assert.equal((await fetch(`http://${hostIp}:${port}/run.sh`)).status, 200);
    assert.match(readFileSync(join(agent.stateDir, 'logs', 'sh-1', 'stdout.log'), 'utf8'), new RegExp(`port from argument ${port}`));
    assert.equal((await run('stop-instance', { name: 'sh-1' })).ok, true);
  });

  it(
    'agent runtimes - a Java package runs as java -jar under the same supervision',
    { skip: HAS_JDK ? false : 'no JDK (javac, jar)' },
    async () => {
      await install('java-svc', 'app.jar', { 'app.jar': `base64:${javaJar()}`, 'msec.json': JSON.stringify({ runtime: 'java' }) });
      const port = await freePort();
      const started = await start('java-1', 'java-svc', port);
      assert.equal(started.ok, true, JSON.stringify(started));
      assert.equal(await (await fetch(`http://${hostIp}:${port}/`)).text(), 'java Demo.polyglot');
      assert.equal((await run('stop-instance', { name: 'java-1' })).ok, true);
      await assert.rejects(fetch(`http://${hostIp}:${port}/`));
    },
  );

  it('agent runtimes - an HTTP health path that never answers 2xx fails the start, naming the path', async () => {
    await install('exec-unhealthy', 'bin/server', {
      'bin/server': EXEC_SERVER,
      'msec.json': JSON.stringify({ runtime: 'exec', health: { type: 'http', path: '/no-such-page' } }),
    });
    const reply = await run('start-instance', {
      name: 'unhealthy-1',
      service: 'Demo.polyglot',
      package: 'exec-unhealthy',
      version: '1.0.0',
      port: await freePort(),
      healthTimeoutMs: 2_000,
    });
    assert.equal(reply.ok, false);
    if (!reply.ok) assert.match(reply.reason, /did not answer GET \/no-such-page on .* with 2xx/);
  });

  it('agent runtimes - a start program missing on the host, a variable the package requires, or a bad msec.json is refused by name', async () => {
    await install('missing-runtime', 'main.py', {
      'main.py': '',
      'msec.json': JSON.stringify({ start: ['no-such-runtime-xyz', 'main.py'] }),
    });
    const missing = await start('missing-1', 'missing-runtime', await freePort());
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.equal(missing.code, 'AGENT_RUNTIME_MISSING');
      assert.match(missing.reason, /no-such-runtime-xyz is not installed on this host/);
    }

    await install('not-executable', 'main.py', { 'main.py': '', 'msec.json': JSON.stringify({ start: ['/etc/passwd'] }) });
    const notExecutable = await start('not-exec-1', 'not-executable', await freePort());
    assert.equal(notExecutable.ok, false);
    if (!notExecutable.ok) assert.match(notExecutable.reason, /\/etc\/passwd is not installed on this host \(not an executable file\)/);

    await install('needs-env', 'main.py', {
      'main.py': PYTHON_MAIN,
      'msec.json': JSON.stringify({ runtime: 'python', requiresEnv: ['DB_URL'] }),
    });
    const needs = await start('needs-1', 'needs-env', await freePort());
    assert.equal(needs.ok, false);
    if (!needs.ok) assert.match(needs.reason, /needs DB_URL \(msec\.json requiresEnv\)/);
    const given = await start('needs-2', 'needs-env', await freePort(), { DB_URL: 'sqlite://x' });
    assert.equal(given.ok, true, JSON.stringify(given));
    assert.equal((await run('stop-instance', { name: 'needs-2' })).ok, true);

    await install('bad-manifest', 'main.py', { 'main.py': '', 'msec.json': JSON.stringify({ runtime: 'cobol' }) });
    const bad = await start('bad-1', 'bad-manifest', await freePort());
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.reason, /msec\.json\.runtime: must be one of node, python, java, exec/);
  });
});
