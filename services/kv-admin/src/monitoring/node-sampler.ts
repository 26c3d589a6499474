import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { MonitorSubjects, type KvNodeSample, type StatsBatch } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { ClustersDomain } from '../clusters/clusters.domain.js';
import { KVADMIN_CONFIG, type KvAdminConfig } from '../config/kv-admin.config.js';
import { RedisConnections } from '../redis/redis-connections.js';
import { TopologyReader } from '../topology/topology.reader.js';
import { monitorServiceOf, sampleFromInfo, sampleStatItems, type HitCounters } from './node-sample.js';

/**
 * Samples INFO of every node of every registered cluster every `sampleSeconds`, keeps the latest sample per node,
 * and reports them to the monitor as attributes of service `KV.<cluster>` with the node address as host.
 */
@Injectable()
export class NodeSampler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('NodeSampler');
  private readonly latest = new Map<string, Map<string, KvNodeSample>>();
  private readonly counters = new Map<string, HitCounters>();
  private readonly js: JetStreamClient;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private dropped = 0;

  constructor(
    @Inject(KVADMIN_CONFIG) private readonly config: KvAdminConfig,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly clusters: ClustersDomain,
    private readonly reader: TopologyReader,
    private readonly redis: RedisConnections,
  ) {
    this.js = jetstream(nc);
  }

  onApplicationBootstrap(): void {
    if (this.config.sampleSeconds > 0) this.timer = setInterval(() => void this.sampleAll(), this.config.sampleSeconds * 1000);
  }

  onModuleDestroy(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /** Latest sample of each node of a cluster (taking one now when none is recorded yet). */
  async latestOf(cluster: string): Promise<KvNodeSample[]> {
    if (!this.latest.has(cluster)) await this.sampleCluster(cluster, (await this.clusters.get(cluster)).seeds);
    return [...(this.latest.get(cluster)?.values() ?? [])].sort((a, b) => a.node.localeCompare(b.node));
  }

  /** One sampling round over every cluster; a round still running makes the next one skip. */
  async sampleAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const cluster of await this.clusters.list()) {
        try {
          await this.sampleCluster(cluster.name, cluster.seeds);
        } catch (error) {
          this.logger.warn(`sampling ${cluster.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async sampleCluster(cluster: string, seeds: string[]): Promise<void> {
    const { nodes } = await this.reader.reachableView(seeds);
    const samples = new Map<string, KvNodeSample>();
    const at = new Date();
    await Promise.all(
      nodes
        .filter((n) => !n.failing && !n.flags.includes('noaddr'))
        .map(async (n) => {
          const info = await this.redis.text(n.address, 'INFO').catch(() => undefined);
          if (info === undefined) return;
          const { sample, counters } = sampleFromInfo(cluster, n.address, n.id, info, this.counters.get(n.id), at);
          this.counters.set(n.id, counters);
          samples.set(n.address, sample);
        }),
    );
    this.latest.set(cluster, samples);
    await this.report(cluster, [...samples.values()]);
  }

  /** One StatsBatch per node (the node is the monitor's host); telemetry never fails the sampler. */
  private async report(cluster: string, samples: KvNodeSample[]): Promise<void> {
    const service = monitorServiceOf(cluster);
    for (const sample of samples) {
      const batch: StatsBatch = {
        v: 1,
        service,
        host: sample.node,
        instance: `kv-admin@${hostname()}`,
        sentAt: Date.now(),
        dropped: this.dropped,
        items: sampleStatItems(sample),
      };
      try {
        await this.js.publish(MonitorSubjects.stats(service), JSON.stringify(batch), {
          msgID: `${service}|${sample.node}|${sample.at}`,
          timeout: 2000,
        });
        this.dropped = 0;
      } catch {
        // No MSEC_STATS stream yet (monitor not started) or NATS down: count it, report it with the next batch.
        this.dropped += 1;
      }
    }
  }
}
