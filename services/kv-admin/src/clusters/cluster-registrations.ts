import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { EventDecisions, ProjectionRunner, createEvent, type Decision } from '@msec/bus';
import { KvEventSubjects, KvEventType } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { ClustersProjection, type KvEvent } from './clusters.projection.js';
import { KvClusterEntity, KvClusterSecretEntity } from './kv.entities.js';

/**
 * Cluster registrations as events: a change is decided on the `kv-admin.clusters` events and appended only if no other
 * landed meanwhile (so two kv-admin processes never register one name twice), and `kv_clusters` follows through its
 * projection, which every change waits for.
 */
@Injectable()
export class ClusterRegistrations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('cluster-registrations');
  private readonly decisions: EventDecisions<KvEvent>;
  private readonly projection: ProjectionRunner<KvEvent>;
  private rebuilding: Promise<{ clusters: number }> | undefined;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly dataSource: DataSource,
  ) {
    this.decisions = new EventDecisions(nc);
    this.projection = new ProjectionRunner(nc, dataSource, new ClustersProjection(), {
      // Another kv-admin process sharing the database gets an event this one took and did not apply after 5 s.
      ackWaitMs: 5_000,
      onError: (error) => this.logger.error(error instanceof Error ? error.message : String(error)),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.decisions.init();
    await this.importLegacyRows((await this.projection.checkpoint()) === 0);
    await this.projection.start();
    await this.projection.waitUntilCaughtUp();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projection.stop();
  }

  /** Decides a registration change on the registration events, appends it, and waits until the table has it. */
  async decide<T>(decide: (events: KvEvent[]) => Promise<Decision<KvEvent, T>> | Decision<KvEvent, T>): Promise<T> {
    const result = await this.decisions.decide(KvEventSubjects.clusters, decide);
    await this.projection.waitUntilCaughtUp();
    return result;
  }

  /** Keeps an already sealed password and answers the reference events name it by. */
  async keepSealedPassword(sealed: string): Promise<string> {
    const ref = randomUUID();
    await this.dataSource.getRepository(KvClusterSecretEntity).insert({ ref, sealed });
    return ref;
  }

  /** Empties `kv_clusters` and replays the registration events; a rebuild asked for while one runs joins it. */
  rebuild(): Promise<{ clusters: number }> {
    this.rebuilding ??= this.projection
      .rebuild()
      .then(async () => ({ clusters: await this.dataSource.getRepository(KvClusterEntity).count() }))
      .finally(() => {
        this.rebuilding = undefined;
      });
    return this.rebuilding;
  }

  /** On the first start of the projection, clusters registered before registration events existed become events, once. */
  private async importLegacyRows(firstStart: boolean): Promise<void> {
    if (!firstStart) return;
    const rows = await this.dataSource.getRepository(KvClusterEntity).find({ order: { createdAt: 'ASC', name: 'ASC' } });
    if (rows.length === 0) return;
    const events: KvEvent[] = [];
    for (const row of rows) {
      const passwordRef = row.passwordSealed === null ? null : await this.keepSealedPassword(row.passwordSealed);
      const payload = { name: row.name, seeds: JSON.parse(row.seeds) as string[], hasPassword: passwordRef !== null, passwordRef };
      events.push(createEvent(KvEventType.clusterRegistered, row.name, payload, { occurredAt: new Date(row.createdAt) }));
    }
    if (await this.decisions.appendToEmpty(KvEventSubjects.clusters, events))
      this.logger.log(`${rows.length} cluster registration(s) carried over into the event stream`);
  }
}
