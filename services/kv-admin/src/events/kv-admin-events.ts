import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import {
  EventDecisions,
  EventStore,
  ProjectionRunner,
  createEvent,
  sharedProjectionRunner,
  type Decision,
  type Projection,
} from '@msec/bus';
import { KvEventSubjects, KvEventType, type KvOperationKind, type KvOperationStatus } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { ClustersProjection, type KvEvent } from '../clusters/clusters.projection.js';
import { KvClusterEntity, KvClusterSecretEntity, KvOperationEntity } from '../clusters/kv.entities.js';
import { OperationsProjection } from '../operations/operations.projection.js';

/** What a rebuild replayed: rows of each read model. */
export interface KvRebuildResult {
  clusters: number;
  operations: number;
}

/**
 * kv-admin's state as events. Registrations and the queueing, ending and resuming of operations are decided on the
 * `kv-admin.clusters` events and appended only if no other landed meanwhile (two kv-admin processes never register
 * one name twice nor run two operations on one cluster); an operation's starts and checkpoints go under its own
 * subject. `kv_clusters` and `kv_operations` follow through their projections.
 */
@Injectable()
export class KvAdminEvents implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('kv-admin-events');
  private readonly decisions: EventDecisions<KvEvent>;
  private readonly store: EventStore;
  private readonly clusters: ProjectionRunner<KvEvent>;
  private readonly operations: ProjectionRunner<KvEvent>;
  private rebuilding: Promise<KvRebuildResult> | undefined;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly dataSource: DataSource,
  ) {
    this.decisions = new EventDecisions(nc);
    this.store = new EventStore(nc);
    this.clusters = this.runner(nc, new ClustersProjection());
    this.operations = this.runner(nc, new OperationsProjection());
  }

  async onModuleInit(): Promise<void> {
    await this.decisions.init();
    await this.importLegacyRows((await this.clusters.checkpoint()) === 0, (await this.operations.checkpoint()) === 0);
    await this.clusters.start();
    await this.operations.start();
    await this.caughtUp();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.clusters.stop();
    await this.operations.stop();
  }

  /** Decides a change on the `kv-admin.clusters` events, appends it, and waits until the tables have it. */
  async decide<T>(decide: (events: KvEvent[]) => Promise<Decision<KvEvent, T>> | Decision<KvEvent, T>): Promise<T> {
    const result = await this.decisions.decide(KvEventSubjects.clusters, decide);
    await this.caughtUp();
    return result;
  }

  /** Appends an operation's start (`wait`: until the table has it) or checkpoint under its own subject. */
  async appendToOperation(operationId: string, event: KvEvent, wait: boolean): Promise<void> {
    await this.store.append(KvEventSubjects.operation(operationId), event);
    if (wait) await this.operations.waitUntilCaughtUp();
  }

  /** Keeps an already sealed password and answers the reference events name it by. */
  async keepSealedPassword(sealed: string): Promise<string> {
    const ref = randomUUID();
    await this.dataSource.getRepository(KvClusterSecretEntity).insert({ ref, sealed });
    return ref;
  }

  /** Empties both tables and replays the events; a rebuild asked for while one runs joins it. */
  rebuild(): Promise<KvRebuildResult> {
    this.rebuilding ??= this.replayAll().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private async replayAll(): Promise<KvRebuildResult> {
    await this.clusters.rebuild();
    await this.operations.rebuild();
    return {
      clusters: await this.dataSource.getRepository(KvClusterEntity).count(),
      operations: await this.dataSource.getRepository(KvOperationEntity).count(),
    };
  }

  private async caughtUp(): Promise<void> {
    await this.clusters.waitUntilCaughtUp();
    await this.operations.waitUntilCaughtUp();
  }

  /**
   * On the first start of the projections, clusters and operations stored before kv-admin's events existed become
   * events, once (another process importing at the same time loses the append and imports nothing).
   */
  private async importLegacyRows(clustersFirst: boolean, operationsFirst: boolean): Promise<void> {
    if (!clustersFirst || !operationsFirst) return;
    const clusters = await this.dataSource.getRepository(KvClusterEntity).find({ order: { createdAt: 'ASC', name: 'ASC' } });
    const operations = await this.dataSource.getRepository(KvOperationEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    if (clusters.length + operations.length === 0) return;
    const events: KvEvent[] = [];
    for (const row of clusters) {
      const passwordRef = row.passwordSealed === null ? null : await this.keepSealedPassword(row.passwordSealed);
      const payload = { name: row.name, seeds: JSON.parse(row.seeds) as string[], hasPassword: passwordRef !== null, passwordRef };
      events.push(createEvent(KvEventType.clusterRegistered, row.name, payload, { occurredAt: new Date(row.createdAt) }));
    }
    for (const row of operations)
      events.push(
        createEvent(KvEventType.operationImported, row.id, {
          operationId: row.id,
          cluster: row.cluster,
          kind: row.kind as KvOperationKind,
          status: row.status as KvOperationStatus,
          params: JSON.parse(row.params) as Record<string, unknown>,
          state: JSON.parse(row.state) as Record<string, unknown>,
          percent: row.percent,
          step: row.step,
          message: row.message,
          error: row.error,
          runs: row.runs,
          createdAt: row.createdAt,
          startedAt: row.startedAt,
          finishedAt: row.finishedAt,
        }),
      );
    if (await this.decisions.appendToEmpty(KvEventSubjects.clusters, events))
      this.logger.log(`carried into the event stream: ${clusters.length} cluster(s), ${operations.length} operation(s)`);
  }

  private runner(nc: NatsConnection, projection: Projection<KvEvent>): ProjectionRunner<KvEvent> {
    return sharedProjectionRunner(nc, this.dataSource, projection, (message) => this.logger.error(message));
  }
}
