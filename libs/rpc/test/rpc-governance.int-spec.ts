import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MsecError } from '@msec/contracts';
import {
  CircuitBreakers,
  defineMethod,
  jsonCodec,
  RateLimiter,
  RoutedClient,
  RpcClient,
  RpcServer,
  type CallStatsSink,
  type RouteLike,
} from '../src/index.js';
import { createServer } from 'node:net';

/** A loopback port nothing listens on (taken from the kernel, then let go). */
const unusedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const Echo = defineMethod<{ text: string }, { text: string }>('gov.Echo.Echo', jsonCodec(), jsonCodec());
const Fail = defineMethod<{ fail: boolean }, { ok: boolean }>('gov.Echo.Fail', jsonCodec(), jsonCodec());

describe('rpc governance', () => {
  let server: RpcServer;
  let port: number;
  let client: RpcClient;
  const limiter = new RateLimiter();
  let failing = true;

  before(async () => {
    server = new RpcServer({ port: 0, admission: limiter, logger: { warn: () => undefined, error: () => undefined } })
      .handle(Echo, (req) => ({ text: req.text }))
      .handle(Fail, () => {
        if (failing) throw new Error('boom');
        return { ok: true };
      });
    port = (await server.listen()).port;
    client = new RpcClient({ caller: 'gov.Client', timeoutMs: 5_000 });
  });

  after(async () => {
    client.close();
    await server.close();
  });

  it('rate limit - a limit of N qps lets about N a second through and refuses the rest with retryable RPC_RATE_LIMITED', async () => {
    limiter.set([{ method: Echo.name, qps: 20 }]);
    const endpoint = { host: '127.0.0.1', port };
    let ok = 0;
    let refused = 0;
    const started = performance.now();
    while (performance.now() - started < 1_000) {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => client.call(endpoint, Echo, { text: 'x' })));
      for (const r of results) {
        if (r.status === 'fulfilled') ok++;
        else {
          const e = r.reason as MsecError;
          assert.equal(e.code, 'RPC_RATE_LIMITED');
          assert.equal(e.retryable, true);
          refused++;
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    // The bucket starts full (20), then refills at 20/s for about a second.
    assert.ok(ok >= 30 && ok <= 45, `admitted ${ok}`);
    assert.ok(refused > ok, `refused ${refused}`);
    limiter.set([]);
    const after = await Promise.all(Array.from({ length: 50 }, () => client.call(endpoint, Echo, { text: 'x' })));
    assert.equal(after.length, 50, 'with the limit removed every call runs');
  });

  it('rate limit - the HTTP+JSON form is refused the same way', async () => {
    limiter.set([{ method: Echo.name, qps: 1 }]);
    const post = async (): Promise<{ ret: number; errmsg: string }> => {
      const res = await fetch(`http://127.0.0.1:${port}/?methodName=${Echo.name}`, { method: 'POST', body: '{"text":"h"}' });
      return (await res.json()) as { ret: number; errmsg: string };
    };
    assert.equal((await post()).ret, 0);
    const second = await post();
    assert.notEqual(second.ret, 0);
    assert.match(second.errmsg, /rate limit of 1 requests\/s/);
    limiter.set([]);
  });

  it('circuit breaker - opens on errors, refuses without sending, closes after successful probes', async () => {
    const route: RouteLike = { ip: '127.0.0.1', port, key: `127.0.0.1:${port}` };
    const breakers = new CircuitBreakers();
    breakers.configure('gov', { minCalls: 5, errorRatio: 0.5, openMs: 300, halfOpenProbes: 2 });
    const routed = new RoutedClient({ router: { route: async () => route, reportResult: () => undefined }, client, breakers });
    failing = true;
    for (let i = 0; i < 5; i++) await assert.rejects(routed.call('gov', Fail, { fail: true }), (e: MsecError) => e.code === 'INTERNAL');
    await assert.rejects(routed.call('gov', Fail, { fail: true }), (e: MsecError) => e.code === 'RPC_CIRCUIT_OPEN' && e.retryable);
    assert.equal(breakers.report()[0]!.state, 'open');
    failing = false;
    await new Promise((r) => setTimeout(r, 350));
    assert.deepEqual(await routed.call('gov', Fail, { fail: false }), { ok: true });
    assert.deepEqual(await routed.call('gov', Fail, { fail: false }), { ok: true });
    assert.equal(breakers.report()[0]!.state, 'closed');
    assert.equal(breakers.report()[0]!.refused, 1);
  });

  it('call statistics - a routed call is counted once after its last attempt, a refused one with its code, a direct one under its endpoint', async () => {
    const counted: string[] = [];
    const stats: CallStatsSink = {
      record: (callee, method, code, latencyMs) => {
        assert.ok(latencyMs >= 0 && latencyMs < 5_000, `latency ${latencyMs}`);
        counted.push(`${callee} ${method.name} ${code ?? 'ok'}`);
      },
    };
    // The first instance refuses connections (nothing listens): the call fails over to the second and succeeds.
    const dead: RouteLike = { ip: '127.0.0.1', port: await unusedPort(), key: 'dead' };
    const live: RouteLike = { ip: '127.0.0.1', port, key: 'live' };
    let picks = 0;
    const routed = new RoutedClient({
      router: { route: async () => (picks++ === 0 ? dead : live), reportResult: () => undefined },
      client,
    });
    assert.deepEqual(await routed.call('gov', Echo, { text: 'x' }, { stats, callee: 'Gov.echo' }), { text: 'x' });
    assert.deepEqual(counted, ['Gov.echo gov.Echo.Echo ok'], 'two attempts, one call');

    failing = true;
    await assert.rejects(routed.call('gov', Fail, { fail: true }, { stats }));
    assert.equal(counted.at(-1), 'gov gov.Echo.Fail INTERNAL', 'a failed call under the service name, with its code');

    const breakers = new CircuitBreakers();
    breakers.configure('gov', { minCalls: 1, errorRatio: 0.1, openMs: 60_000, halfOpenProbes: 1 });
    const guarded = new RoutedClient({ router: { route: async () => live, reportResult: () => undefined }, client, breakers });
    await assert.rejects(guarded.call('gov', Fail, { fail: true }, { stats }));
    await assert.rejects(guarded.call('gov', Fail, { fail: true }, { stats }), (e: MsecError) => e.code === 'RPC_CIRCUIT_OPEN');
    assert.equal(counted.at(-1), 'gov gov.Echo.Fail RPC_CIRCUIT_OPEN', 'a call the breaker refused is counted too');

    await client.call({ host: '127.0.0.1', port }, Echo, { text: 'y' }, { stats });
    assert.equal(counted.at(-1), `127.0.0.1:${port} gov.Echo.Echo ok`, 'a direct call under its endpoint');
    assert.equal(counted.length, 5);
  });
});
