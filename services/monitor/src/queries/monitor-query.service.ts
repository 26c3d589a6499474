import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION } from '@msec/platform';
import type { CallsReply } from '@msec/contracts';
import { MONITOR_CONFIG, type MonitorConfig } from '../config/monitor.config.js';
import { StatsIngest } from '../ingest/stats-ingest.js';
import { invalidField } from '../monitor.errors.js';
import { SeriesStore } from '../series/series-store.js';
import { MonitorQueries, mergeCallRows } from './monitor-queries.js';
import { prometheusText } from './prometheus-text.js';
import { ShardRouter } from './shard-router.js';

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

/**
 * Answers queries over the per-minute series: from this shard's store, or routed to the shard that holds the service
 * (merged over every shard for lists); starts and stops the telemetry ingest that fills the store.
 */
@Injectable()
export class MonitorQueryService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly router: ShardRouter;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(MONITOR_CONFIG) config: MonitorConfig,
    private readonly store: SeriesStore,
    private readonly ingest: StatsIngest,
    private readonly queries: MonitorQueries,
  ) {
    this.router = new ShardRouter(nc, config.shardIndex, config.shards, (action, payload) => this.local(action, payload));
  }

  async onModuleInit(): Promise<void> {
    await this.ingest.start();
    this.router.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.router.stop();
    await this.ingest.stop();
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
