import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import { LogSubjects, type ColourRule, type TraceView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { RpcClient, RpcServer, defineMethod, jsonCodec, silentLogger, type CallContext } from '@msec/rpc';
import { startNats, type InfraServer } from '@msec/testing';
import { createLogger, createSpanReporter, newTraceId, spanFromServedCall, type MsecLogger, type SpanReporter } from './sdk-log.js';
import { connectClient, searchAll, waitFor, type LogHarness, startLogService } from './support.js';

interface QueryRequest {
  name: string;
  password: string;
  from: string;
  to: string;
}
const FlightQuery = defineMethod('flight.FlightService.Query', jsonCodec<QueryRequest>(), jsonCodec<{ flights: string[] }>());
const CheckPassword = defineMethod(
  'user.UserService.CheckPassword',
  jsonCodec<{ name: string; password: string }>(),
  jsonCodec<{ ok: boolean }>(),
);

/** One business module: an RPC server whose served calls become spans, a logger and a client for downstream calls. */
interface Module {
  name: string;
  logger: MsecLogger;
  spans: SpanReporter;
  server: RpcServer;
  client: RpcClient;
}

function startModule(nc: NatsConnection, name: string, spoolDir: string): Module {
  const logger = createLogger({ nc, service: name, level: 'INFO', spoolDir });
  const spans = createSpanReporter({ nc, service: name, spoolDir });
  // What the SDK's service runtime will do once wired: report each served call as a span.
  const server = new RpcServer({
    port: 0,
    httpJson: false,
    logger: silentLogger,
    onCall: (event) => {
      const span = spanFromServedCall(event, name);
      if (span) spans.report(span);
    },
  });
  return { name, logger, spans, server, client: new RpcClient({ caller: name, timeoutMs: 3000 }) };
}

/** The request logger the SDK runtime will bind for each served call. */
const requestLog = (module: Module, ctx: CallContext, fields: Record<string, unknown>) =>
  module.logger.forRequest({
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    colour: ctx.coloring === 1,
    fields: { caller: ctx.caller ?? 'client', rpc: ctx.method, ...fields },
  });

describe('flight and user modules over RPC', () => {
  let nats: InfraServer;
  let harness: LogHarness;
  let nc: NatsConnection;
  let flight: Module;
  let user: Module;
  let edge: RpcClient;
  let flightAddress: { host: string; port: number };

  before(async () => {
    nats = await startNats();
    harness = await startLogService(nats.url);
    nc = await connectClient(nats.url);
    flight = startModule(nc, 'Flight.mod_flight', harness.dataDir);
    user = startModule(nc, 'User.mod_user', harness.dataDir);
    const userAddress = await user.server
      .handle(CheckPassword, (request, ctx) => {
        const log = requestLog(user, ctx, { name: request.name });
        log.debug('comparing password hash');
        log.info('password checked');
        return { ok: request.password === 'secret' };
      })
      .listen();
    flightAddress = await flight.server
      .handle(FlightQuery, async (request, ctx) => {
        const log = requestLog(flight, ctx, { name: request.name });
        log.debug('query received', { from: request.from, to: request.to });
        const { ok } = await flight.client.call(
          userAddress,
          CheckPassword,
          { name: request.name, password: request.password },
          { parent: ctx },
        );
        log.info('query answered', { ok });
        return { flights: ok ? ['CZ3101', 'CA1302'] : [] };
      })
      .listen();
    edge = new RpcClient({ caller: 'client', timeoutMs: 3000 });
  });
  after(async () => {
    edge?.close();
    for (const m of [flight, user]) {
      if (!m) continue;
      m.client.close();
      await m.server.close();
      await m.logger.close();
      await m.spans.close();
    }
    await nc?.close();
    await harness?.close();
    await nats?.dispose();
  });

  /** The edge of the system (gateway or first server) asks the colouring rules whether this request is coloured. */
  async function query(name: string): Promise<string> {
    const traceId = newTraceId();
    const coloured = flight.logger.matchesColourRule({ name }) !== undefined;
    await edge.call(
      flightAddress,
      FlightQuery,
      { name, password: 'secret', from: 'SZX', to: 'PEK' },
      { traceId, coloring: coloured ? 1 : 0 },
    );
    return traceId;
  }

  it('flight e2e - a coloured query for bison yields DEBUG lines from both modules under one trace and a call graph of two spans', async () => {
    await natsRequest<ColourRule[]>(harness.nc, LogSubjects.colourSet, { id: 'user-bison', field: 'name', value: 'bison' });
    await waitFor('the rule in the SDK', () => flight.logger.colourRules.rules.length === 1, 5000);
    const traceId = await query('bison');
    for (const m of [flight, user]) {
      await m.logger.flush();
      await m.spans.flush();
    }
    const lines = await waitFor('the lines of the coloured trace', async () => {
      const found = await searchAll(harness.nc, { traceId });
      return found.length === 4 ? found : undefined;
    });
    assert.deepEqual(
      lines
        .filter((l) => l.level === 'DEBUG')
        .map((l) => l.service)
        .sort(),
      ['Flight.mod_flight', 'User.mod_user'],
    );
    const view = await waitFor('both spans', () =>
      natsRequest<TraceView>(harness.nc, LogSubjects.trace, { traceId }).then((v) => (v.spanCount === 2 ? v : undefined)),
    );
    assert.equal(view.roots.length, 1);
    assert.equal(view.roots[0]!.span.caller, 'client');
    assert.equal(view.roots[0]!.span.callee, 'Flight.mod_flight');
    assert.equal(view.roots[0]!.children[0]!.span.caller, 'Flight.mod_flight');
    assert.equal(view.roots[0]!.children[0]!.span.callee, 'User.mod_user');
    assert.match(view.mermaidFlow, /s0\["client"\][\s\S]*s1\["Flight\.mod_flight"\][\s\S]*s2\["User\.mod_user"\]/);
    assert.match(view.mermaidFlow, /s1 -->\|"user\.UserService\.CheckPassword [\d.]+ ms"\| s2/);
  });

  it('flight e2e - an uncoloured query yields no DEBUG lines', async () => {
    const traceId = await query('ant');
    for (const m of [flight, user]) await m.logger.flush();
    const lines = await waitFor('the lines of the ordinary trace', async () => {
      const found = await searchAll(harness.nc, { traceId });
      return found.length === 2 ? found : undefined;
    });
    assert.deepEqual(
      lines.filter((l) => l.level === 'DEBUG'),
      [],
    );
    assert.deepEqual(lines.map((l) => l.service).sort(), ['Flight.mod_flight', 'User.mod_user']);
  });
});
