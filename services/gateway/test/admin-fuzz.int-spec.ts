import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Objm } from '@nats-io/obj';
import { DeployBuckets, NatsRole } from '@msec/contracts';
import { GOOD_SERVER, buildPackage, freePort, startRedis, startZooKeeper, type InfraServer } from '@msec/testing';
import {
  ApiClient,
  adminClient,
  type ApiResponse,
  eventually,
  startServiceProcess,
  startTestGateway,
  type ServiceProcess,
  type TestGateway,
} from './gateway-harness.js';

/** Deterministic junk: the same seed gives the same requests on every run, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- OpenAPI schemas and fuzzed bodies are arbitrary JSON */
type Schema = any;
interface Operation {
  method: string;
  path: string;
  pathParams: { name: string; schema: Schema }[];
  query: { name: string; schema: Schema }[];
  body: Schema | null;
}
interface FuzzRequest {
  method: string;
  url: string;
  /** A string is sent as is (not JSON); undefined sends no body. */
  body: unknown;
  /** Instead of application/json; null sends none. */
  contentType?: string | null;
}

/** Values in a path segment: unknown ids, traversal, very long, unicode, encoded junk. */
const PATH_VALUES = [
  '00000000-0000-0000-0000-000000000000',
  'no-such-thing',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  'a'.repeat(2000),
  encodeURIComponent('☃ünïcødé𝄞'),
  '%00',
  '%ff%fe',
  '%25',
  '-1',
  '1e309',
  encodeURIComponent('a b\nc'),
  encodeURIComponent("'; DROP TABLE x; --"),
];

/** Longest value put in a URL: the whole request line and headers must stay under Node's 16 KiB. */
const URL_VALUE_MAX = 300;

/** Values of a query parameter. */
const QUERY_VALUES = ['', 'abc', '-1', '0', '1e309', 'NaN', '9'.repeat(40), 'x'.repeat(5000), '☃', '%ff', '[]', '{}', 'true', 'null'];

function junkOf(schema: Schema, rnd: () => number, depth = 0): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const type = schema?.type ?? (schema?.properties ? 'object' : undefined);
  const wrong: unknown[] = [
    null,
    true,
    -1,
    1.5,
    1e308,
    '',
    'x'.repeat(100_000),
    '☃\u0000\u202e',
    [],
    [1, 'a', null],
    {},
    { __proto__: { admin: true }, constructor: { prototype: {} } },
  ];
  if (depth > 3) return pick(wrong);
  if (type === 'object' && rnd() < 0.6) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Schema>))
      if (rnd() < 0.7) out[k] = junkOf(v, rnd, depth + 1);
    return out;
  }
  if (type === 'array' && rnd() < 0.5) return Array.from({ length: 3 }, () => junkOf(schema.items, rnd, depth + 1));
  return pick(wrong);
}

/** Strings tried against a schema's pattern and length limits; those that fit are values the gateway lets through. */
const STRING_CANDIDATES = [
  'Demo.login',
  'a',
  '1.0.0',
  '00000000-0000-0000-0000-000000000000',
  '127.0.0.1:8090',
  '127.0.0.1',
  'name=bison',
  'INFO',
  '2026-01-01',
  '0',
  '-',
  '.',
  '..',
  'a b',
  'ünï☃𝄞',
  '\u0000\u001b[31m\n',
];

/** Values that satisfy the schema (as far as a few candidates and its bounds allow), biased to the edges. */
function edgeOf(schema: Schema, rnd: () => number, depth = 0, longest = 100_000): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  if (!schema || depth > 4) return 'x';
  if (schema.oneOf || schema.anyOf) return edgeOf(pick(schema.oneOf ?? schema.anyOf), rnd, depth);
  if (schema.enum) return pick(schema.enum as unknown[]);
  const type = schema.type ?? (schema.properties ? 'object' : 'string');
  if (type === 'object')
    return Object.fromEntries(
      Object.entries((schema.properties ?? {}) as Record<string, Schema>)
        .filter(([k]) => (schema.required ?? []).includes(k) || rnd() < 0.7)
        .map(([k, v]) => [k, edgeOf(v, rnd, depth + 1)]),
    );
  if (type === 'array') {
    const min = schema.minItems ?? 0;
    const max = Math.min(schema.maxItems ?? 20, 50);
    return Array.from({ length: pick([min, max, min + 1]) }, () => edgeOf(schema.items, rnd, depth + 1));
  }
  if (type === 'integer' || type === 'number') {
    const min = schema.minimum ?? -(2 ** 53 - 1);
    const max = schema.maximum ?? 2 ** 53 - 1;
    return pick([min, max, Math.min(Math.max(0, min), max), ...(type === 'number' ? [min + 0.5, 1e-9] : [])]);
  }
  if (type === 'boolean') return rnd() < 0.5;
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 10_000, longest);
  const pattern = schema.pattern ? new RegExp(schema.pattern as string, 'u') : null;
  const fits = (v: string): boolean => v.length >= minLength && v.length <= maxLength && (!pattern || pattern.test(v));
  const long = ['a', '9', 'é', '.', ' ', '𝄞'].flatMap((c) => [
    c.repeat(Math.max(1, Math.floor(maxLength / c.length))),
    c.repeat(minLength || 1),
  ]);
  const fitting = [schema.example, ...STRING_CANDIDATES, ...long].filter((v): v is string => typeof v === 'string' && fits(v));
  return fitting.length > 0 ? pick(fitting) : (schema.example ?? 'x');
}

/** Every kind of bad body for one operation. */
function badBodies(schema: Schema, rnd: () => number): unknown[] {
  const nested: Record<string, unknown> = {};
  let cursor = nested;
  for (let i = 0; i < 60; i++) cursor = (cursor.a = { b: [i] }) as Record<string, unknown>;
  const props = Object.keys((schema?.properties ?? {}) as Record<string, unknown>);
  const bodies: unknown[] = [
    'not json',
    '{"unterminated": ',
    '[]',
    'null',
    '42',
    '"a string"',
    {},
    nested,
    { [`k${'y'.repeat(5000)}`]: 1 },
    Object.fromEntries(props.map((p) => [p, 'x'.repeat(100_000)])),
    Object.fromEntries(props.map((p) => [p, 12345])),
    Object.fromEntries(props.map((p) => [p, { nested: ['junk'] }])),
    Object.fromEntries(props.map((p) => [p, null])),
    Object.fromEntries(props.map((p) => [p, ['a', 1]])),
  ];
  for (let i = 0; i < 8; i++) bodies.push(junkOf(schema, rnd));
  // bodies the gateway's schema accepts, with values at its edges, so the owning service judges them
  for (let i = 0; i < 10; i++) bodies.push(edgeOf(schema, rnd));
  return bodies;
}

function operationsOf(doc: Schema): Operation[] {
  const ops: Operation[] = [];
  const deref = (s: Schema): Schema => {
    if (s?.$ref) return deref(doc.components?.schemas?.[String(s.$ref).split('/').pop()!]);
    return s;
  };
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []) as { in: string; name: string; schema: Schema }[];
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        body: op.requestBody ? (deref(op.requestBody.content?.['application/json']?.schema) ?? {}) : null,
      });
    }
  }
  return ops;
}

/** The requests for one operation: bad path parameters, bad queries, bad bodies. */
function requestsFor(op: Operation, rnd: () => number): FuzzRequest[] {
  const fill = (value: string): string => op.path.replace(/\{[^}]+\}/g, value);
  const unknownId = fill(PATH_VALUES[0]!);
  const reqs: FuzzRequest[] = [];
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(op.method);
  if (op.pathParams.length > 0) for (const v of PATH_VALUES) reqs.push({ method: op.method, url: fill(v), body: hasBody ? {} : undefined });
  for (let i = 0; i < (op.pathParams.length > 0 ? 6 : 0); i++) {
    const url = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeURIComponent(String(edgeOf(op.pathParams.find((p) => p.name === name)?.schema, rnd, 0, URL_VALUE_MAX))),
    );
    reqs.push({ method: op.method, url, body: hasBody ? edgeOf(op.body, rnd) : undefined });
  }
  for (let i = 0; i < (op.query.length > 0 ? 6 : 0); i++) {
    const query = op.query
      .filter(() => rnd() < 0.6)
      .map((q) => `${q.name}=${encodeURIComponent(String(edgeOf(q.schema, rnd, 0, URL_VALUE_MAX)))}`);
    reqs.push({ method: op.method, url: `${unknownId}?${query.join('&')}`, body: undefined });
  }
  for (const q of op.query)
    for (const v of QUERY_VALUES) reqs.push({ method: op.method, url: `${unknownId}?${q.name}=${encodeURIComponent(v)}`, body: undefined });
  if (op.query.length > 0) {
    reqs.push({ method: op.method, url: `${unknownId}?${op.query.map((q) => `${q.name}=1&${q.name}=2`).join('&')}`, body: undefined });
    reqs.push({ method: op.method, url: `${unknownId}?${op.query.map((q) => `${q.name}[a]=1`).join('&')}`, body: undefined });
  }
  reqs.push({ method: op.method, url: `${unknownId}?unknown=%ff&__proto__[x]=1`, body: undefined });
  if (hasBody) {
    for (const body of badBodies(op.body, rnd)) reqs.push({ method: op.method, url: unknownId, body });
    const json = JSON.stringify(edgeOf(op.body, rnd));
    for (const contentType of ['text/plain', 'application/json; charset=latin-9', 'application/x-www-form-urlencoded', null])
      reqs.push({ method: op.method, url: unknownId, body: json, contentType });
    reqs.push({ method: op.method, url: unknownId, body: `{"pad":"${'p'.repeat(1_100_000)}"}` });
  }
  return reqs;
}

/** Fields of a reply that name something a later request can address. */
const ID_KEYS = new Set(['id', 'name', 'username', 'planId', 'msgId', 'cluster', 'hostId', 'traceId', 'service', 'address', 'operationId']);

/** Collects the ids and names in a reply (never the fuzzing admin's own, whose deletion would end the run). */
function harvest(body: unknown, into: Set<string>, depth = 0): void {
  if (depth > 3 || typeof body !== 'object' || body === null) return;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string' && ID_KEYS.has(key) && value !== 'admin' && value.length <= URL_VALUE_MAX) into.add(value);
    else harvest(value, into, depth + 1);
  }
}

/** Sends one request with the admin's bearer token; an event stream that opens is closed at once (status is all we need). */
async function send(baseUrl: string, token: string, r: FuzzRequest): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  const contentType = r.contentType === undefined ? 'application/json' : r.contentType;
  if (r.body !== undefined && contentType !== null) headers['content-type'] = contentType;
  const res = await fetch(baseUrl + r.url, {
    method: r.method,
    headers,
    body: r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
    signal: AbortSignal.timeout(30_000),
  });
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, body: undefined };
  }
  const text = await res.text();
  try {
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  } catch {
    return { status: res.status, body: text };
  }
}

/**
 * Every operation of the OpenAPI document, as admin, against the gateway and every console service: junk and
 * edge-valid bodies, path parameters and queries. Seeded, so a run can be replayed: MSEC_FUZZ_SEED=n explores another
 * seed, MSEC_FUZZ_TRACE=1 prints each request with its status and time. No answer may be a 5xx, and every 4xx
 * carries `{error:{code}}`.
 */
describe('gateway admin fuzz', () => {
  let gw: TestGateway;
  let redis: InfraServer;
  let zk: InfraServer;
  const services: ServiceProcess[] = [];
  let admin: ApiClient;
  let token: string;

  before(async () => {
    // As `./msec up` runs the stack: NATS requires credentials and each service connects as its own identity.
    [gw, redis, zk] = await Promise.all([startTestGateway(), startRedis(), startZooKeeper()]);
    const as = async (role: NatsRole): Promise<NodeJS.ProcessEnv> => ({ ...(await gw.nats.envFor(role)), MSEC_DB_URL: '' });
    services.push(
      await startServiceProcess('deploy', {
        ...(await as(NatsRole.deploy)),
        MSEC_REDIS_URL: redis.url,
      }),
      await startServiceProcess('registry', { ...(await as(NatsRole.registry)), MSEC_ZK_CONNECT: zk.url }),
      await startServiceProcess('monitor', { ...(await as(NatsRole.monitor)), MSEC_MONITOR_ALARM_INTERVAL_MS: '0' }),
      await startServiceProcess('log', await as(NatsRole.log)),
      await startServiceProcess('kv-admin', { ...(await as(NatsRole.kvAdmin)), MSEC_REDIS_URL: redis.url }),
    );
    const session = await adminClient(gw);
    // A bearer token, so that a fuzzed logout or CSRF check cannot end the fuzzing client's session.
    token = (await session.call('POST', '/api/v1/tokens', { name: 'fuzz', expiresInDays: 1 })).body.token as string;
    admin = new ApiClient(gw.baseUrl, token);
    for (const [what, path] of [
      ['deploy', '/api/v1/hosts'],
      ['registry', '/api/v1/services'],
      ['monitor', '/api/v1/monitoring/services'],
      ['log', '/api/v1/logs?service=x'],
      ['kv-admin', '/api/v1/kv/clusters'],
    ] as const)
      await eventually(`${what} answers through the gateway`, async () =>
        (await admin.call('GET', path)).status === 200 ? true : undefined,
      );
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await gw?.close();
    await Promise.all([redis?.dispose(), zk?.dispose()]);
  });

  it('gateway - a fuzz of every REST operation as admin (bad bodies, path parameters and queries) answers no 5xx, every 4xx a JSON error code', async () => {
    const doc = await admin.call('GET', '/api/docs/openapi.json');
    assert.equal(doc.status, 200);
    const rnd = prng(Number(process.env.MSEC_FUZZ_SEED ?? 12));
    const ops = operationsOf(doc.body);
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    const exchange = async (r: FuzzRequest): Promise<{ status: number; body: any }> => {
      const started = Date.now();
      const res = await send(gw.baseUrl, token, r).catch((error: unknown) => ({ status: 599, body: String(error) }));
      sent++;
      const where = `${r.method} ${r.url.slice(0, 120)} ${String(JSON.stringify(r.body)).slice(0, 120)}`;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (process.env.MSEC_FUZZ_TRACE)
        console.log(
          `${res.status} ${Date.now() - started}ms ${r.method} ${r.url.slice(0, 100)} ${JSON.stringify(res.body?.error ?? '').slice(0, 160)}`,
        );
      if (res.status >= 500) problems.push(`${res.status} ${where}: ${String(JSON.stringify(res.body)).slice(0, 300)}`);
      else if (res.status >= 400 && typeof res.body?.error?.code !== 'string')
        problems.push(`${res.status} without an error code ${where}: ${String(JSON.stringify(res.body)).slice(0, 200)}`);
      return res;
    };

    // Phase 1, one at a time: edge-valid creations, keeping the ids and names they answer, so that phase 2 reaches
    // the update, delete and read paths of things that exist, not only the 404 of unknown ids.
    const known = new Set<string>();
    for (const op of ops.filter((o) => o.method === 'POST' && o.pathParams.length === 0 && o.body !== null))
      for (let i = 0; i < 12; i++) {
        const res = await exchange({ method: op.method, url: op.path, body: edgeOf(op.body, rnd) });
        if (res.status < 300) harvest(res.body, known);
      }

    // Phase 2, four at a time: junk and edges for every operation, and each known id in every path parameter it fits.
    const requests = ops.flatMap((op) => requestsFor(op, rnd));
    for (const op of ops.filter((o) => o.pathParams.length > 0))
      for (const id of [...known].slice(0, 30)) {
        const fitting = op.pathParams.every((p) => !p.schema?.pattern || new RegExp(p.schema.pattern as string, 'u').test(id));
        if (!fitting) continue;
        const url = op.path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
        requests.push({ method: op.method, url, body: ['POST', 'PUT', 'PATCH'].includes(op.method) ? edgeOf(op.body, rnd) : undefined });
      }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) await exchange(requests[next++]!);
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    console.log(
      `fuzzed ${sent} requests over ${ops.length} operations (${known.size} ids created): statuses ${JSON.stringify([...statuses].sort())}`,
    );
    assert.deepEqual(problems, []);
    // The fuzz changed nothing it should not have: the admin still works.
    assert.equal((await admin.call('GET', '/api/v1/users')).status, 200);
  });

  it('gateway - users created twice at the same moment: one 201, the others 409 GATEWAY_CONFLICT, never a 500', async () => {
    const body = { username: 'twin', password: 'twin-first-pass', role: 'viewer' };
    const replies = await Promise.all(Array.from({ length: 6 }, () => admin.call('POST', '/api/v1/users', body)));
    const statuses = replies.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409], JSON.stringify(replies.map((r) => r.body)));
    for (const r of replies.filter((x) => x.status === 409)) assert.equal(r.body.error.code, 'GATEWAY_CONFLICT');
  });

  it('deploy - a config tag stored twice at the same moment: one stored, the others 409 naming tag, never a 500', async () => {
    const body = { service: 'Race.cfg', tag: 'v1', content: 'a = 1\n' };
    const replies = await Promise.all(Array.from({ length: 6 }, () => admin.call('POST', '/api/v1/configs', body)));
    const ok = replies.filter((r) => r.status < 300);
    assert.equal(ok.length, 1, JSON.stringify(replies.map((r) => [r.status, r.body])));
    for (const r of replies.filter((x) => x.status >= 300)) {
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal(r.body.error.field, 'body.tag', JSON.stringify(r.body));
    }
    const rollbacks = await Promise.all(
      Array.from({ length: 6 }, () => admin.call('POST', '/api/v1/configs/rollback', { service: 'Race.cfg', to: 'v1' })),
    );
    // Rollbacks name their copy by count: those that raced for one name lose with 409, the rest are stored.
    for (const r of rollbacks)
      assert.ok(r.status === ok[0]!.status || (r.status === 409 && r.body.error.field === 'body.tag'), JSON.stringify(r.body));
  });

  it('deploy - one package version uploaded by several requests at once: the same tarball is accepted by all; of different ones one is stored, whole, the rest 409', async () => {
    const upload = (bytes: Buffer): Promise<ApiResponse> =>
      admin.call('POST', '/api/v1/packages', { contentBase64: bytes.toString('base64') });
    const tarball = buildPackage('race-pkg', '1.0.0', GOOD_SERVER).bytes;
    const same = await Promise.all(Array.from({ length: 4 }, () => upload(tarball)));
    assert.deepEqual(
      same.map((r) => r.status),
      [201, 201, 201, 201],
      JSON.stringify(same.map((r) => r.body)),
    );
    // Four different tarballs for one new version: one is stored, and the stored object is that one.
    const other = await Promise.all(
      Array.from({ length: 4 }, (_, i) => upload(buildPackage('race-pkg', '2.0.0', `${GOOD_SERVER}// build ${i}\n`).bytes)),
    );
    assert.deepEqual(other.map((r) => r.status).sort(), [201, 409, 409, 409], JSON.stringify(other.map((r) => r.body)));
    for (const r of other.filter((x) => x.status === 409))
      assert.match(r.body.error.message, /race-pkg@2\.0\.0 exists with other content; bump manifest\.version/);
    const row = (await admin.call('GET', '/api/v1/packages?name=race-pkg')).body.items.find(
      (p: { version: string }) => p.version === '2.0.0',
    );
    const nc = await gw.nats.connectAs(NatsRole.deploy);
    try {
      const store = await new Objm(nc).open(DeployBuckets.packages);
      const stored = await store.getBlob('race-pkg/2.0.0.tar.gz');
      assert.ok(stored, 'the object exists');
      assert.equal(createHash('sha256').update(stored).digest('hex'), row.sha256, 'the stored tarball is the one its row describes');
    } finally {
      await nc.close();
    }
  });

  it('kv - registering a cluster whose seeds do not answer is 422 naming seeds, not a server error', async () => {
    const seed = `127.0.0.1:${await freePort()}`;
    const r = await admin.call('POST', '/api/v1/kv/clusters', { name: 'nowhere', seeds: [seed] });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'KV_SEEDS_UNREACHABLE');
    assert.match(r.body.error.field, /seeds$/);
    assert.match(r.body.error.message, new RegExp(seed.replace(/\./g, '\\.')));
    assert.equal((await admin.call('GET', '/api/v1/kv/clusters/nowhere/topology')).status, 404, 'nothing was registered');
    // Seeds are tried one by one; fifty dead ones still get this answer, not the gateway's NATS timeout (504).
    const ports = new Set<number>();
    while (ports.size < 50) ports.add(await freePort());
    const many = await admin.call('POST', '/api/v1/kv/clusters', { name: 'nowhere', seeds: [...ports].map((p) => `127.0.0.1:${p}`) });
    assert.equal(many.status, 422, JSON.stringify(many.body));
    assert.equal(many.body.error.code, 'KV_SEEDS_UNREACHABLE');
  });

  it('gateway - a request line over 16 KiB gets 431 with a JSON error code', async () => {
    const r = await admin.call('GET', `/api/v1/users?cursor=${'x'.repeat(20_000)}`);
    assert.equal(r.status, 431);
    assert.equal(r.body.error.code, 'GATEWAY_HEADERS_TOO_LARGE');
  });
});
