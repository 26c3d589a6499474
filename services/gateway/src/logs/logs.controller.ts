import { Controller, Delete, Get, HttpCode, Inject, Post, Put, Sse, type MessageEvent } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { NatsConnection } from '@nats-io/transport-node';
import { interval, map, merge, type Observable } from 'rxjs';
import {
  LogSubjects,
  MonitorSubjects,
  ValidationError,
  type CallsReply,
  type ColourRule,
  type DependencyGraph,
  type LogLine,
  type LogPage,
  type LogQuery,
  type LogStorageReport,
  type TraceSamplingSettings,
  type TraceView,
} from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { Access, Role } from '../auth/access.js';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import { PAGE_SIZE, decodeCursor, encodeCursor, type Page } from '../http/pagination.js';
import type { Infer } from '../http/schema.js';
import { mergeDependencyGraph } from './dependency-graph.js';
import { tailLines } from './log-tail.js';
import {
  DEFAULT_DEPENDENCY_RANGE_MS,
  MAX_DEPENDENCY_RANGE_MS,
  colourRuleBody,
  colourRuleId,
  dependenciesQuery,
  logsQuery,
  samplingBody,
  samplingService,
  tailQuery,
  traceIdParam,
} from './logs.schemas.js';

/** Searches scan a store that may be large: give the log service longer than a plain read. */
const SEARCH_DEADLINE_MS = 10_000;
/** Rule changes are written to the log service's table and KV bucket. */
const RULE_DEADLINE_MS = 5000;
/** Keeps proxies from closing an idle tail. */
const HEARTBEAT_MS = 15_000;

/** Where the log service's field names sit in a REST request (`levels` is `?level=`, `fields[0].name` is `?field=`). */
const REST_FIELDS: Record<string, string> = { levels: 'level', fields: 'field' };

/** Forwards to the log service; a field it names in an error is renamed to where the REST caller put it. */
function forward<T>(nats: NatsForwarder, subject: string, data: unknown, where: string, deadlineMs?: number): Promise<T> {
  return nats.requestNamingRestFields<T>(
    subject,
    data,
    (field) => {
      const base = field.split(/[.[]/, 1)[0]!;
      return `${where}.${REST_FIELDS[base] ?? base}`;
    },
    deadlineMs,
  );
}

/** Log search and live tail (REST face of `msec.log.query` and `msec.log.tail.*`). */
@ApiTags('logs')
@Controller('api/v1/logs')
export class LogsController {
  constructor(
    @Inject(NatsForwarder) private readonly nats: NatsForwarder,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Search log lines, newest first: typed filters combined with AND, cursor paging' })
  async search(@QueryParams(logsQuery) q: Infer<typeof logsQuery>): Promise<Page<LogLine>> {
    if (q.from !== undefined && q.to !== undefined && q.to <= q.from) throw new ValidationError('query.to', 'must be after query.from');
    const cursor = decodeCursor(q.cursor);
    const query: LogQuery = {
      limit: q.limit ?? PAGE_SIZE.default,
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
      ...(q.service ? { service: q.service } : {}),
      ...(q.host ? { host: q.host } : {}),
      ...(q.instance ? { instance: q.instance } : {}),
      ...(q.traceId ? { traceId: q.traceId } : {}),
      ...(q.level ? { levels: q.level } : {}),
      ...(q.minLevel ? { minLevel: q.minLevel } : {}),
      ...(q.field ? { fields: q.field } : {}),
      ...(q.text ? { text: q.text } : {}),
      ...(typeof cursor === 'string' ? { cursor } : {}),
    };
    const page = await forward<LogPage>(this.nats, LogSubjects.query, query, 'query', SEARCH_DEADLINE_MS);
    return { items: page.lines, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null };
  }

  @Get('storage')
  @Access(Role.viewer)
  @ApiOperation({
    summary: 'Limits of the log store (age, lines, spans, ingest stream bytes), what it holds and what was dropped to stay within them',
  })
  storage(): Promise<LogStorageReport> {
    return this.nats.request<LogStorageReport>(LogSubjects.storage, {});
  }

  @Sse('tail')
  @Access(Role.viewer)
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Server-Sent Events: new stored lines matching the filters as `event: lines` with a LogLine[] (oldest first); `event: ping` every 15 s',
  })
  tail(@QueryParams(tailQuery) q: Infer<typeof tailQuery>): Observable<MessageEvent> {
    return merge(
      tailLines(this.nc, q).pipe(map((lines): MessageEvent => ({ type: 'lines', data: lines }))),
      interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'ping', data: {} }))),
    );
  }
}

/** One trace as a waterfall, call tree and Mermaid text. */
@ApiTags('logs')
@Controller('api/v1/traces')
export class TracesController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get(':traceId')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'One trace: call tree, waterfall rows with offsets and durations, mermaidFlow and mermaidWaterfall' })
  trace(@PathParam('traceId', traceIdParam) traceId: string): Promise<TraceView> {
    return forward(this.nats, LogSubjects.trace, { traceId }, 'path');
  }
}

/** The service dependency graph of a time range. */
@ApiTags('logs')
@Controller('api/v1/dependencies')
export class DependenciesController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({
    summary:
      'Caller → callee edges in [from, to): calls, errors, error rate and latency from the call statistics (from spans for callers without statistics), example traces from spans, Mermaid',
  })
  async dependencies(@QueryParams(dependenciesQuery) q: Infer<typeof dependenciesQuery>): Promise<DependencyGraph> {
    const to = q.to ?? Date.now();
    const from = q.from ?? to - DEFAULT_DEPENDENCY_RANGE_MS;
    if (to <= from) throw new ValidationError('query.to', 'must be after query.from');
    if (to - from > MAX_DEPENDENCY_RANGE_MS) throw new ValidationError('query.from', 'the range may span at most 31 days');
    // Counts from the monitor's statistics (exact under sampling), example traces from the log service's spans;
    // either one alone still gives a graph.
    const [stats, spans] = await Promise.all([
      this.nats.request<CallsReply>(MonitorSubjects.calls, { from, to }).then(
        (reply) => reply,
        () => undefined,
      ),
      forward<DependencyGraph>(
        this.nats,
        LogSubjects.dependencies,
        { from, to, ...(q.examples !== undefined ? { examples: q.examples } : {}) },
        'query',
      ).then(
        (graph) => ({ graph }),
        (error: unknown) => ({ error }),
      ),
    ]);
    if (stats === undefined && 'error' in spans) throw spans.error;
    return mergeDependencyGraph(from, to, stats?.rows ?? [], 'graph' in spans ? spans.graph : undefined);
  }
}

/** Colouring rules: viewers read, developers add, replace and delete. */
@ApiTags('logs')
@Controller('api/v1/colour-rules')
export class ColourRulesController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Colouring rules (they come whole: nextCursor is always null)' })
  async list(): Promise<{ items: ColourRule[]; nextCursor: null }> {
    return { items: await this.nats.request<ColourRule[]>(LogSubjects.colourList, {}), nextCursor: null };
  }

  @Post()
  @HttpCode(201)
  @Access(Role.developer)
  @ApiOperation({ summary: 'Add a colouring rule, or replace the one with the same id; every SDK has it within seconds' })
  async set(@JsonBody(colourRuleBody) body: Infer<typeof colourRuleBody>): Promise<ColourRule> {
    const rules = await forward<ColourRule[]>(this.nats, LogSubjects.colourSet, body, 'body', RULE_DEADLINE_MS);
    return rules.find((r) => r.id === body.id) ?? (body as ColourRule);
  }

  @Delete(':id')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Delete a colouring rule' })
  async remove(@PathParam('id', colourRuleId) id: string): Promise<{ id: string; deleted: true }> {
    await forward(this.nats, LogSubjects.colourDelete, { id }, 'path', RULE_DEADLINE_MS);
    return { id, deleted: true };
  }
}

/** Trace sampling by service: viewers read, developers set and remove (every SDK follows within seconds). */
@ApiTags('logs')
@Controller('api/v1/trace-sampling')
export class TraceSamplingController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Trace sampling set from the console, by service: rate (0–1) and most traces per second per process' })
  get(): Promise<TraceSamplingSettings> {
    return this.nats.request<TraceSamplingSettings>(LogSubjects.samplingGet, {});
  }

  @Put(':service')
  @Access(Role.developer)
  @ApiOperation({ summary: "Set one service's trace sampling; it overrides the service's environment within seconds" })
  set(
    @PathParam('service', samplingService) service: string,
    @JsonBody(samplingBody) body: Infer<typeof samplingBody>,
  ): Promise<TraceSamplingSettings> {
    return forward(this.nats, LogSubjects.samplingSet, { service, ...body }, 'body', RULE_DEADLINE_MS);
  }

  @Delete(':service')
  @Access(Role.developer)
  @ApiOperation({ summary: "Remove one service's trace sampling: its environment's rate and cap apply again" })
  remove(@PathParam('service', samplingService) service: string): Promise<TraceSamplingSettings> {
    return forward(this.nats, LogSubjects.samplingDelete, { service }, 'path', RULE_DEADLINE_MS);
  }
}

/** Admin-only maintenance of the log service's read models. */
@ApiTags('admin')
@Controller('api/v1/admin/rebuild')
export class LogAdminController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Post('log')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({ summary: "Rebuild the log service's read models (colouring rules, trace sampling) from its event stream" })
  rebuild(): Promise<{ colourRules: number; samplingServices: number }> {
    return this.nats.request(LogSubjects.rebuild, {}, 60_000);
  }
}

/** Every logs controller, for `controllers` in gateway.module.ts. */
export const LOGS_CONTROLLERS = [
  LogsController,
  TracesController,
  DependenciesController,
  ColourRulesController,
  TraceSamplingController,
  LogAdminController,
];
