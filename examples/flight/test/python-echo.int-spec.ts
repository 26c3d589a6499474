import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Component,
  LogSubjects,
  MonitorSubjects,
  NatsRole,
  RegistrySubjects,
  type LogLine,
  type LogPage,
  type ServiceView,
  type TotalsReply,
  type TraceView,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { client, closeSharedRuntime } from '@msec/sdk';
import { freePort } from '@msec/testing';
import { USER_SERVICE } from '../src/index.js';
import { FlightStack, type ModuleInstance } from './helpers/flight-stack.js';
import { encodeFields, legacyCall } from './helpers/legacy-srpc.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const ECHO_DIR = join(REPO, 'examples', 'python-echo');
const ECHO_PROTO = join(ECHO_DIR, 'proto', 'echo.proto');
const ECHO_SERVICE = 'Echo.mod_python';
const ECHO_IDL = 'echo.echo_service';
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;

interface EchoClient {
  echo(request: { message: string }, options?: { timeoutMs?: number }): Promise<{ message: string }>;
  greet(request: { name: string; password: string }): Promise<{ message: string; passwordOk: boolean }>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`${what}: not seen within ${timeoutMs} ms`);
}

function httpJson(port: number, method: string, body: unknown): Promise<{ ret: number; resultObj?: { message: string } }> {
  return new Promise((done, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: `/?methodName=${method}` }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ret: number }));
    });
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
}

describe('python sdk', { skip: HAS_PYTHON ? false : 'python3 is not installed' }, () => {
  let stack: FlightStack;
  const pythons: { port: number; child: ChildProcess }[] = [];
  let echo: EchoClient;
  let users: ModuleInstance[];

  /**
   * Starts one Echo.mod_python process the way the agent does (python3 main.py with the service's environment). Its
   * NATS address is a cluster's list whose first server is gone, so every NATS test below also shows the SDK moving on
   * to the next server of the list.
   */
  const startEcho = async (): Promise<{ port: number; child: ChildProcess }> => {
    const port = await freePort();
    const platform = await stack.platformEnv(NatsRole.service, ECHO_SERVICE);
    const env = {
      ...process.env,
      ...platform,
      MSEC_NATS_URL: `nats://127.0.0.1:${await freePort()},${platform.MSEC_NATS_URL}`,
      MSEC_SERVICE: ECHO_SERVICE,
      MSEC_PORT: String(port),
      MSEC_TRACE_SAMPLE_RATE: '1',
      PYTHONPATH: join(REPO, 'sdk', 'python'),
      PYTHONDONTWRITEBYTECODE: '1',
    };
    const child = spawn('python3', ['main.py'], { cwd: ECHO_DIR, env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((ready, fail) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('serving on') && ready());
      child.once('exit', (code) => fail(new Error(`Echo.mod_python on ${port} exited with ${code}`)));
    });
    const started = { port, child };
    pythons.push(started);
    return started;
  };

  before(async () => {
    stack = await FlightStack.start([Component.registry, Component.log, Component.monitor]);
    await stack.createServices();
    await natsRequest(stack.nc, RegistrySubjects.serviceCreate, { name: ECHO_SERVICE, memo: 'python echo' }, 10_000);
    users = await stack.deploy(USER_SERVICE, 2);
    const instances = [await startEcho(), await startEcho()];
    await stack.scaleOut(
      ECHO_SERVICE,
      instances.map((i) => `127.0.0.1:${i.port}`),
    );
    Object.assign(process.env, { MSEC_ZK_CONNECT: stack.zk.url, MSEC_DATA_DIR: stack.dir });
    echo = await client<EchoClient>(ECHO_SERVICE, ECHO_IDL, { proto: ECHO_PROTO });
    await waitFor('Echo.mod_python routable by name', () => echo.echo({ message: 'warm-up' }));
  });

  after(async () => {
    closeSharedRuntime();
    for (const p of pythons) p.child.kill('SIGKILL');
    await stack?.close();
  });

  it('python sdk - a TypeScript caller reaches Echo.mod_python by name on the SRPC frame, and HTTP+JSON answers too', async () => {
    assert.deepEqual({ ...(await echo.echo({ message: 'hi' })) }, { message: 'hi' });
    const reply = await httpJson(pythons[0]!.port, `${ECHO_IDL}.echo`, { message: 'over http' });
    assert.equal(reply.ret, 0);
    assert.deepEqual(reply.resultObj, { message: 'over http' });
  });

  it('python sdk - an original MSEC SRPC peer is answered: sequence and flow_id echoed, unknown methods and bad requests typed', async () => {
    const address = `127.0.0.1:${pythons[0]!.port}`;
    const ok = await legacyCall(address, { sequence: 4242, flowId: 99, methodName: `${ECHO_IDL}.echo` }, encodeFields([[1, 'legacy']]));
    assert.deepEqual([ok.head.get(10), ok.head.get(30), ok.head.get(40) ?? 0, String(ok.body.get(1))], [4242, 99, 0, 'legacy']);
    const missing = await legacyCall(address, { sequence: 7, methodName: `${ECHO_IDL}.nope` }, Buffer.alloc(0));
    assert.notEqual(missing.head.get(40) ?? 0, 0);
    assert.equal(String(missing.head.get(70)), 'RPC_METHOD_NOT_FOUND');
    const get = await new Promise<string>((done, fail) =>
      httpRequest({ host: '127.0.0.1', port: pythons[0]!.port, path: '/' }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => done(text));
      })
        .on('error', fail)
        .end(),
    );
    assert.match(get, /"code": "RPC_BAD_REQUEST".*use POST \/\?methodName=pkg\.Service\.Method with a JSON body/);
    const unknown = await httpJson(pythons[0]!.port, `${ECHO_IDL}.nope`, {});
    assert.equal((unknown as { error?: { code: string } }).error?.code, 'RPC_METHOD_NOT_FOUND');
    // A broken frame closes only its own connection.
    await new Promise<void>((done) => {
      const socket = connect({ host: '127.0.0.1', port: pythons[0]!.port }, () =>
        socket.write(Buffer.from([0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0x5a])),
      );
      socket.on('close', () => done());
      socket.on('error', () => undefined);
    });
    assert.equal((await echo.echo({ message: 'still serving' })).message, 'still serving');
  });

  it('python sdk - a call queued too long is answered RPC_OVERLOADED (retryable, it did not run)', async () => {
    // One worker and a handler that takes 450 ms: of three calls at once, the last waits over the 800 ms limit.
    const script = [
      'import time, msec, echo_msec',
      'def echo(request, ctx):',
      '    time.sleep(0.45)',
      '    return {"message": request["message"]}',
      'server = msec.RpcServer("Slow.python", port=0, workers=1)',
      'server.handle(msec.Method("echo.echo_service.echo", echo_msec.EchoRequest_type, echo_msec.EchoReply_type, echo))',
      'server.start()',
      'print(server.port, flush=True)',
      'time.sleep(60)',
    ].join('\n');
    const slow = spawn('python3', ['-c', script], {
      cwd: ECHO_DIR,
      env: { ...process.env, PYTHONPATH: join(REPO, 'sdk', 'python'), PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const port = await new Promise<number>((ready) =>
        slow.stdout!.once('data', (chunk: Buffer) => ready(Number(chunk.toString().trim()))),
      );
      const direct = await client<EchoClient>(`127.0.0.1:${port}`, ECHO_IDL, { proto: ECHO_PROTO });
      const results = await Promise.allSettled([1, 2, 3].map((i) => direct.echo({ message: `slow-${i}` }, { timeoutMs: 5_000 })));
      assert.equal(results[0]!.status, 'fulfilled');
      const overloaded = results
        .filter((r) => r.status === 'rejected')
        .map((r) => (r as PromiseRejectedResult).reason as { code: string; retryable: boolean });
      assert.ok(overloaded.length >= 1, 'the call queued longest is refused');
      for (const e of overloaded) assert.deepEqual([e.code, e.retryable], ['RPC_OVERLOADED', true]);
    } finally {
      slow.kill('SIGKILL');
    }
  });

  it('python sdk - greet calls User.mod_user by name and one trace spans Python and TypeScript', async () => {
    const reply = await echo.greet({ name: 'bison', password: '123456' });
    assert.deepEqual({ ...reply }, { message: 'hello bison', passwordOk: true });
    assert.equal((await echo.greet({ name: 'py-ant', password: 'guess' })).passwordOk, false);
    const search = async (name: string): Promise<LogLine[]> =>
      (await natsRequest<LogPage>(stack.nc, LogSubjects.query, { limit: 100, fields: [{ name: 'name', value: name }] }, 10_000)).lines;
    const lines = await waitFor('lines of both services for py-ant', async () => {
      const found = await search('py-ant');
      return new Set(found.map((l) => l.service)).size === 2 ? found : undefined;
    });
    assert.deepEqual(lines.map((l) => `${l.service} ${l.message}`).sort(), [`${ECHO_SERVICE} greeted`, `${USER_SERVICE} password checked`]);
    assert.equal(new Set(lines.map((l) => l.traceId)).size, 1, 'both lines carry the same trace id');
    const view = await waitFor('both spans of the trace', async () => {
      const v = await natsRequest<TraceView>(stack.nc, LogSubjects.trace, { traceId: lines[0]!.traceId }, 10_000);
      return v.spanCount === 2 ? v : undefined;
    });
    assert.equal(view.roots[0]!.span.callee, ECHO_SERVICE);
    assert.equal(view.roots[0]!.span.method, `${ECHO_IDL}.greet`);
    assert.equal(view.roots[0]!.children[0]!.span.callee, USER_SERVICE);
    assert.equal(view.roots[0]!.children[0]!.span.caller, ECHO_SERVICE);
  });

  it('python sdk - a colouring rule set in the console colours a request entering at Python: DEBUG lines in both languages', async () => {
    await natsRequest(stack.nc, LogSubjects.colourSet, { id: 'py-colour', field: 'name', value: 'py-colour-ant' }, 10_000);
    const debugLines = await waitFor('DEBUG lines of Echo.mod_python and User.mod_user', async () => {
      await echo.greet({ name: 'py-colour-ant', password: 'guess' });
      const page = await natsRequest<LogPage>(
        stack.nc,
        LogSubjects.query,
        { limit: 100, levels: ['DEBUG'], fields: [{ name: 'name', value: 'py-colour-ant' }] },
        10_000,
      );
      return new Set(page.lines.map((l) => l.service)).size === 2 ? page.lines : undefined;
    });
    assert.deepEqual([...new Set(debugLines.map((l) => l.service))].sort(), [ECHO_SERVICE, USER_SERVICE]);
    await natsRequest(stack.nc, LogSubjects.colourDelete, { id: 'py-colour' }, 10_000);
  });

  it('python sdk - trace sampling set in the console overrides its environment until deleted', async () => {
    const traceOf = async (name: string): Promise<string> => {
      const lines = await waitFor(`lines for ${name}`, async () => {
        const page = await natsRequest<LogPage>(
          stack.nc,
          LogSubjects.query,
          { limit: 10, fields: [{ name: 'name', value: name }] },
          10_000,
        );
        return new Set(page.lines.map((l) => l.service)).size === 2 ? page.lines : undefined;
      });
      return lines[0]!.traceId!;
    };
    const spans = async (traceId: string): Promise<number> =>
      (await natsRequest<TraceView>(stack.nc, LogSubjects.trace, { traceId }, 10_000).catch(() => undefined))?.spanCount ?? 0;
    await natsRequest(stack.nc, LogSubjects.samplingSet, { service: ECHO_SERVICE, rate: 0, maxPerSecond: 100 }, 10_000);
    await sleep(3_000); // each instance reads the setting every 2 s
    await echo.greet({ name: 'py-unsampled', password: 'guess' });
    const unsampled = await traceOf('py-unsampled');
    await sleep(1_500);
    assert.equal(await spans(unsampled), 0, 'a request entering at rate 0 stores no span');
    await natsRequest(stack.nc, LogSubjects.samplingDelete, { service: ECHO_SERVICE }, 10_000);
    let n = 0;
    await waitFor('a traced request once the environment (rate 1) applies again', async () => {
      const name = `py-sampled-${n++}`;
      await echo.greet({ name, password: 'guess' });
      return (await spans(await traceOf(name))) === 2 ? true : undefined;
    });
  });

  it('python sdk - reports per-minute statistics of the calls it served and made to the monitor', async () => {
    await echo.greet({ name: 'stats-ant', password: 'guess' });
    const totals = await waitFor('statistics of Echo.mod_python', async () => {
      const reply = await natsRequest<TotalsReply>(stack.nc, MonitorSubjects.totals, { service: ECHO_SERVICE }, 5000);
      const attrs = new Set(reply.totals.filter((t) => t.value > 0).map((t) => t.attr));
      return [...attrs].some((a) => a.startsWith(`rpcin|`) && a.endsWith(`|${ECHO_SERVICE}|greet|requests`)) &&
        attrs.has(`rpc|${ECHO_SERVICE}|${USER_SERVICE}|checkPassword|requests`)
        ? reply
        : undefined;
    });
    assert.ok(totals.totals.length > 0);
  });

  it('python sdk - signs the NATS nonce with its own Ed25519 when the cryptography package is absent; a seed of another identity is refused', async () => {
    const script = [
      'import sys',
      'import msec.ed25519',
      'msec.ed25519._Native = None',
      'from msec.nats import NatsPublisher',
      'try:',
      '    NatsPublisher(sys.argv[1], sys.argv[2])._connect()',
      '    print("connected")',
      'except ConnectionError as error:',
      '    print(error)',
    ].join('\n');
    const pythonConnect = (creds: string): string =>
      spawnSync('python3', ['-c', script, stack.nats.url, creds], { env: { ...process.env, PYTHONPATH: join(REPO, 'sdk', 'python') } })
        .stdout.toString()
        .trim();
    const own = (await stack.nats.credsFile(NatsRole.service, ECHO_SERVICE))!;
    assert.equal(pythonConnect(own), 'connected');
    const other = (await stack.nats.credsFile(NatsRole.service, 'Other.mod_other'))!;
    const seedOfOther = readFileSync(other, 'utf8').slice(readFileSync(other, 'utf8').indexOf('-----BEGIN USER NKEY SEED-----'));
    const jwtOfOwn = readFileSync(own, 'utf8').slice(0, readFileSync(own, 'utf8').indexOf('-----BEGIN USER NKEY SEED-----'));
    const mixed = join(stack.dir, 'mixed.creds');
    writeFileSync(mixed, jwtOfOwn + seedOfOther, { mode: 0o600 });
    assert.match(pythonConnect(mixed), /NATS refused the connection: -ERR 'Authorization Violation'/);
  });

  it('python sdk - on SIGTERM an instance withdraws its live announcement, finishes, and exits 0 while calls by name go on', async () => {
    const leaving = await startEcho();
    const address = `127.0.0.1:${leaving.port}`;
    await stack.scaleOut(ECHO_SERVICE, [address]);
    const liveOf = async (): Promise<boolean | undefined> =>
      (await natsRequest<ServiceView>(stack.nc, RegistrySubjects.serviceShow, { name: ECHO_SERVICE }, 10_000)).instances.find(
        (i) => `${i.ip}:${i.port}` === address,
      )?.live;
    await waitFor('the new instance announced live', async () => ((await liveOf()) === true ? true : undefined));
    const exited = new Promise<number | null>((r) => leaving.child.once('exit', r));
    leaving.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    await waitFor('the live announcement withdrawn', async () => ((await liveOf()) === false ? true : undefined), 5_000);
    for (let i = 0; i < 10; i++) assert.equal((await echo.echo({ message: `after-stop-${i}` })).message, `after-stop-${i}`);
    await stack.scaleIn(ECHO_SERVICE, [address]);
  });

  it('python sdk - killing a Python instance fails over like a TypeScript one: every call by name still answers', async () => {
    const victim = pythons[0]!;
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));
    for (let i = 0; i < 20; i++) assert.equal((await echo.echo({ message: `after-kill-${i}` })).message, `after-kill-${i}`);
  });

  it('python sdk - its calls by name fail over too: with one User.mod_user instance killed every greet still answers', async () => {
    const victim = users[0]!.child;
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    // The killed instance stays in the routes until its ZooKeeper session expires: the Python client must route around it.
    for (let i = 0; i < 20; i++) assert.equal((await echo.greet({ name: 'bison', password: '123456' })).passwordOk, true);
  });
});
