import { Controller, Delete, Get, Header, HttpCode, Inject, Patch, Post } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import {
  LogSubjects,
  MonitorSubjects,
  type AlarmRuleView,
  type AlarmView,
  type AttrInfo,
  type CallsReply,
  type CurveReply,
  type LogStorageReport,
  type TotalsReply,
} from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import type { Infer } from '../http/schema.js';
import { logStorageMetrics } from './log-storage-metrics.js';
import {
  alarmsQuery,
  attrsQuery,
  callsQuery,
  createRuleBody,
  curveQuery,
  hostsQuery,
  ruleId,
  rulesQuery,
  topQuery,
  totalsQuery,
  updateRuleBody,
} from './monitoring.schemas.js';

/** A whole list in the usual page shape; these lists are small and come whole, so `nextCursor` is always null. */
export interface ItemList<T> {
  items: T[];
  nextCursor: null;
}

/** Content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Rules are written to the monitor's database: a little longer than a read. */
const RULE_DEADLINE_MS = 5000;

const list = <T>(items: T[]): ItemList<T> => ({ items, nextCursor: null });

/**
 * Forwards to the monitor; a VALIDATION_FAILED naming one of its fields (`threshold`) is renamed to where the
 * REST caller put it (`body.threshold`), message included.
 */
function forward<T>(nats: NatsForwarder, subject: string, data: unknown, where: string, deadlineMs?: number): Promise<T> {
  return nats.requestNamingRestFields<T>(
    subject,
    data,
    (field) => (field.includes('.') ? undefined : field === 'id' ? 'path.id' : `${where}.${field}`),
    deadlineMs,
  );
}

/** Curves, totals, top-N, call tables and the lists behind the pickers (REST face of the monitor's queries). */
@ApiTags('monitoring')
@Controller('api/v1/monitoring')
export class MonitoringController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get('services')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Services that reported anything' })
  async services(): Promise<ItemList<string>> {
    return list(await this.nats.request<string[]>(MonitorSubjects.services, {}));
  }

  @Get('attrs')
  @Access(Role.viewer)
  @ApiOperation({ summary: "A service's attributes with their kind and how many hosts report them" })
  async attrs(@QueryParams(attrsQuery) q: Infer<typeof attrsQuery>): Promise<ItemList<AttrInfo>> {
    return list(await forward<AttrInfo[]>(this.nats, MonitorSubjects.attrs, q, 'query'));
  }

  @Get('hosts')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Hosts reporting for a service (or one of its attributes)' })
  async hosts(@QueryParams(hostsQuery) q: Infer<typeof hostsQuery>): Promise<ItemList<string>> {
    return list(await forward<string[]>(this.nats, MonitorSubjects.hosts, q, 'query'));
  }

  @Get('curve')
  @Access(Role.viewer)
  @ApiOperation({ summary: "One attribute's 1440 minutes of a day (UTC), for the service or one host, with comparison lines" })
  curve(@QueryParams(curveQuery) q: Infer<typeof curveQuery>): Promise<CurveReply> {
    return forward(this.nats, MonitorSubjects.curve, q, 'query');
  }

  @Get('totals')
  @Access(Role.viewer)
  @ApiOperation({ summary: "Each attribute's value over a day: sums for sum attributes, else max/min/mean/last" })
  totals(@QueryParams(totalsQuery) q: Infer<typeof totalsQuery>): Promise<TotalsReply> {
    return forward(this.nats, MonitorSubjects.totals, q, 'query');
  }

  @Get('top')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'The N sum attributes with the largest day totals (RPC attributes left out)' })
  top(@QueryParams(topQuery) q: Infer<typeof topQuery>): Promise<TotalsReply> {
    return forward(this.nats, MonitorSubjects.top, q, 'query');
  }

  @Get('calls')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Caller → callee → method table of a day: requests, failures by code, p50/p95/p99 (ms)' })
  calls(@QueryParams(callsQuery) q: Infer<typeof callsQuery>): Promise<CallsReply> {
    return forward(this.nats, MonitorSubjects.calls, q, 'query');
  }
}

/** Alarm rules: viewers read, developers create, change and delete. */
@ApiTags('monitoring')
@Controller('api/v1/alarm-rules')
export class AlarmRulesController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Alarm rules, by service and attribute' })
  async list(@QueryParams(rulesQuery) q: Infer<typeof rulesQuery>): Promise<ItemList<AlarmRuleView>> {
    return list(await forward<AlarmRuleView[]>(this.nats, MonitorSubjects.rulesList, q, 'query'));
  }

  @Post()
  @Access(Role.developer)
  @ApiOperation({ summary: 'Create an alarm rule (max, min, wave or nodata) on a service attribute or one host' })
  create(@JsonBody(createRuleBody) body: Infer<typeof createRuleBody>): Promise<AlarmRuleView> {
    return forward(this.nats, MonitorSubjects.rulesCreate, body, 'body', RULE_DEADLINE_MS);
  }

  @Patch(':id')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Change fields of an alarm rule' })
  update(@PathParam('id', ruleId) id: string, @JsonBody(updateRuleBody) body: Infer<typeof updateRuleBody>): Promise<AlarmRuleView> {
    return forward(this.nats, MonitorSubjects.rulesUpdate, { ...body, id }, 'body', RULE_DEADLINE_MS);
  }

  @Delete(':id')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Delete an alarm rule (its alarms stay in the history)' })
  remove(@PathParam('id', ruleId) id: string): Promise<{ id: string; deleted: true }> {
    return forward(this.nats, MonitorSubjects.rulesDelete, { id }, 'body', RULE_DEADLINE_MS);
  }
}

/** Alarms: active episodes, or the history. */
@ApiTags('monitoring')
@Controller('api/v1/alarms')
export class AlarmsController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Alarms, newest first: active ones by default, or recovered / all' })
  async list(@QueryParams(alarmsQuery) q: Infer<typeof alarmsQuery>): Promise<ItemList<AlarmView>> {
    return list(await forward<AlarmView[]>(this.nats, MonitorSubjects.alarmsList, { state: 'active', ...q }, 'query'));
  }
}

/** How long a rebuild of the monitor's read models may take before the caller is told it timed out. */
const REBUILD_DEADLINE_MS = 60_000;

/** Admin-only maintenance of the monitor's read models. */
@ApiTags('admin')
@Controller('api/v1/admin/rebuild')
export class MonitorAdminController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Post('monitor')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({ summary: "Rebuild the monitor's read models (alarm rules, alarms) from its event stream" })
  rebuild(): Promise<{ alarmRules: number; alarms: number }> {
    return this.nats.request(MonitorSubjects.rebuild, {}, REBUILD_DEADLINE_MS);
  }
}

/** Where Prometheus scrapes by default, and the route behind it inside the API (so the console's SPA fallback leaves it alone). */
export const METRICS_PATHS = { scrape: '/metrics', api: '/api/v1/metrics' } as const;

/**
 * Makes `GET /metrics` reach the route at `/api/v1/metrics`. It must run before the console's SPA fallback (which
 * answers index.html to every GET outside /api), so it is added to Express while controllers are created, before
 * `configureGateway` adds its middleware. Drop it once the fallback also skips `/metrics`.
 */
function aliasScrapePath(adapterHost: HttpAdapterHost): void {
  const express = adapterHost.httpAdapter?.getInstance() as {
    use?: (fn: (req: Request, res: Response, next: NextFunction) => void) => void;
  };
  express?.use?.((req, _res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && req.url.split('?', 1)[0] === METRICS_PATHS.scrape)
      req.url = METRICS_PATHS.api + req.url.slice(METRICS_PATHS.scrape.length);
    next();
  });
}

/**
 * `GET /metrics` (and `/api/v1/metrics`) for Prometheus: current values in text format 0.0.4. Needs a viewer —
 * scrapers send an API token as `authorization: Bearer msec_…` — since service, attribute and host names are not
 * for the world.
 */
@ApiTags('monitoring')
@Controller('api/v1/metrics')
export class MetricsController {
  constructor(
    @Inject(NatsForwarder) private readonly nats: NatsForwarder,
    @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
  ) {
    aliasScrapePath(adapterHost);
  }

  @Get()
  @Access(Role.viewer)
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({
    summary:
      'Prometheus exposition (text 0.0.4) of every series (last complete minute, today total) and the log store drop counters; also at GET /metrics',
  })
  async metrics(): Promise<string> {
    // The log store's counters come from the log service; without it the monitor's series are still exported.
    const [series, storage] = await Promise.all([
      this.nats.request<string>(MonitorSubjects.prometheus, {}),
      this.nats.request<LogStorageReport>(LogSubjects.storage, {}).then(logStorageMetrics, () => ''),
    ]);
    return series + storage;
  }
}

/** Every monitoring controller, for `controllers` in gateway.module.ts. */
export const MONITORING_CONTROLLERS = [
  MonitoringController,
  AlarmRulesController,
  AlarmsController,
  MetricsController,
  MonitorAdminController,
];
