import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { NATS_CONNECTION } from '@msec/platform';
import type { CallsReply } from '@msec/contracts';
import { MONITOR_CONFIG, type MonitorConfig } from './config/monitor.config.js';
import { AlarmEngine } from './alarms/alarm-engine.js';
import { JetStreamAlarmEventSink } from './alarms/alarm-event-sink.js';
import { AlarmRules } from './alarms/alarm-rules.domain.js';
import { MonitorEventLog, type MonitorEvent } from './alarms/monitor-event-log.js';
import { AlarmRulesProjection } from './alarms/alarm-rules.projection.js';
import { AlarmsProjection } from './alarms/alarms.projection.js';
import { ProjectionRunner, type Projection } from '@msec/bus';
import { StatsIngest } from './ingest/stats-ingest.js';
import { MonitorQueries, mergeCallRows } from './queries/monitor-queries.js';
import { prometheusText } from './queries/prometheus-text.js';
import { ShardRouter } from './queries/shard-router.js';
import { SeriesStore } from './series/series-store.js';
import { invalidField } from './monitor.errors.js';

/** Query actions a shard answers locally (also the names forwarded between shards). */
export const QueryAction = {
  curve: 'curve',
  totals: 'totals',
  top: 'top',
  calls: 'calls',
  services: 'services',
  attrs: 'attrs',
  hosts: 'hosts',
  prometheus: 'prometheus',
} as const;
/** One of QueryAction. */
export type QueryAction = (typeof QueryAction)[keyof typeof QueryAction];

/** What a rebuild replayed: rows of each read model. */
export interface MonitorRebuildResult {
  alarmRules: number;
  alarms: number;
}

/** Holds the monitor's parts: store, ingest, queries, shard routing and alarms; starts and stops them with the app. */
@Injectable()
export class MonitorRuntime implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('MonitorRuntime');
  readonly store: SeriesStore;
  readonly ingest: StatsIngest;
  readonly queries: MonitorQueries;
  readonly router: ShardRouter;
  readonly rules: AlarmRules;
  readonly alarms: AlarmEngine;
  private readonly events: MonitorEventLog;
  private readonly rulesProjection: ProjectionRunner<MonitorEvent>;
  private readonly alarmsProjection: ProjectionRunner<MonitorEvent>;
  private rebuilding: Promise<MonitorRebuildResult> | undefined;
  private alarmTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    dataSource: DataSource,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
  ) {
    this.store = new SeriesStore(config.retentionDays);
    this.ingest = new StatsIngest(nc, this.store, config);
    this.queries = new MonitorQueries(this.store);
    this.router = new ShardRouter(nc, config.shardIndex, config.shards, (action, payload) => this.local(action, payload));
    this.events = new MonitorEventLog(nc);
    this.rulesProjection = this.projectionRunner(nc, dataSource, new AlarmRulesProjection());
    this.alarmsProjection = this.projectionRunner(nc, dataSource, new AlarmsProjection());
    this.rules = new AlarmRules(dataSource, this.events, this.rulesProjection, config.webhookAllowInternal);
    this.alarms = new AlarmEngine(dataSource, this.rules, this.store, new JetStreamAlarmEventSink(nc), this.events, this.alarmsProjection, {
      graceMs: config.alarmGraceMs,
      webhookTimeoutMs: config.webhookTimeoutMs,
      webhookAllowInternal: config.webhookAllowInternal,
      shardIndex: config.shardIndex,
      shards: config.shards,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.events.init();
    await this.rules.importLegacyRows((await this.rulesProjection.checkpoint()) === 0);
    await this.alarms.importLegacyRows((await this.alarmsProjection.checkpoint()) === 0);
    await this.rulesProjection.start();
    await this.alarmsProjection.start();
    await this.rulesProjection.waitUntilCaughtUp();
    await this.alarmsProjection.waitUntilCaughtUp();
    await this.ingest.start();
    this.router.start();
    if (this.config.alarmIntervalMs > 0) {
      this.alarmTimer = setInterval(() => {
        this.alarms.evaluate(Date.now()).catch((error: unknown) => this.logger.error(`alarm evaluation failed: ${String(error)}`));
      }, this.config.alarmIntervalMs);
      this.alarmTimer.unref();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.alarmTimer);
    this.router.stop();
    await this.ingest.stop();
    await this.rulesProjection.stop();
    await this.alarmsProjection.stop();
  }

  /** Empties the alarm rule and alarm tables and replays the monitor's events; a rebuild asked for while one runs joins it. */
  rebuild(): Promise<MonitorRebuildResult> {
    this.rebuilding ??= this.replayAll().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private async replayAll(): Promise<MonitorRebuildResult> {
    await this.rulesProjection.rebuild();
    await this.alarmsProjection.rebuild();
    return { alarmRules: (await this.rules.list({})).length, alarms: (await this.alarms.list({ state: 'all', limit: 5000 })).length };
  }

  private projectionRunner(
    nc: NatsConnection,
    dataSource: DataSource,
    projection: Projection<MonitorEvent>,
  ): ProjectionRunner<MonitorEvent> {
    return new ProjectionRunner(nc, dataSource, projection, {
      // Another monitor process sharing the database gets an event this one took and did not apply after 5 s.
      ackWaitMs: 5_000,
      onError: (error) => this.logger.error(`projection ${projection.name}: ${error instanceof Error ? error.message : String(error)}`),
    });
  }

  /** The time alarms are judged at: now, or `atMs` when an operator or a test asks for another instant. */
  evaluationTime(atMs: unknown): number {
    if (atMs === undefined || atMs === null) return Date.now();
    if (typeof atMs !== 'number' || !Number.isFinite(atMs) || atMs < 0)
      throw invalidField('atMs', 'give a time in ms since 1970, or omit it for now');
    return atMs;
  }

  /** Answers a query from this shard's own data. */
  local(action: string, payload: unknown): unknown {
    const p = (payload ?? {}) as never;
    switch (action) {
      case QueryAction.curve:
        return this.queries.curve(p);
      case QueryAction.totals:
        return this.queries.totals(p);
      case QueryAction.top:
        return this.queries.top(p);
      case QueryAction.calls:
        return this.queries.calls(p);
      case QueryAction.services:
        return this.queries.services();
      case QueryAction.attrs:
        return this.queries.attrs(p);
      case QueryAction.hosts:
        return this.queries.hosts(p);
      case QueryAction.prometheus:
        return prometheusText(this.store, Date.now());
      default:
        throw invalidField('action', `unknown query ${action}`);
    }
  }

  /** Answers a query, routed to the shard that holds the service or merged over every shard. */
  async query(action: QueryAction, payload: unknown): Promise<unknown> {
    const service = (payload as { service?: unknown } | null)?.service;
    switch (action) {
      case QueryAction.services:
        return [...new Set(((await this.router.everyShard(action, payload)) as string[][]).flat())].sort();
      case QueryAction.calls: {
        const parts = (await this.router.everyShard(action, payload)) as CallsReply[];
        return { ...parts[0]!, rows: mergeCallRows(parts.flatMap((p) => p.rows)) };
      }
      case QueryAction.prometheus:
        return ((await this.router.everyShard(action, payload)) as string[]).join('');
      default:
        return this.router.forService(service, action, payload);
    }
  }
}
