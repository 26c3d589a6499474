import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { createEvent } from '@msec/bus';
import { KvEventType, KvOperationStatus, type KvOperationKind, type KvOperationView } from '@msec/contracts';
import { operationInProgress, operationNotFound, operationNotResumable } from '../kv-admin.errors.js';
import { KvOperationEntity } from '../clusters/kv.entities.js';
import { KvAdminEvents } from '../events/kv-admin-events.js';
import { activeOperations, failedOperations } from './operations.projection.js';

const ACTIVE = [KvOperationStatus.queued, KvOperationStatus.running];

/**
 * Operations as events: queueing (one active operation per cluster, decided on the `kv-admin.clusters` events),
 * each run's start and checkpoints, success, failure and resume. The kv_operations table is their projection:
 * history, progress, and the state each operation resumes from.
 */
@Injectable()
export class OperationsStore {
  private readonly repo: Repository<KvOperationEntity>;

  constructor(
    dataSource: DataSource,
    private readonly events: KvAdminEvents,
  ) {
    this.repo = dataSource.getRepository(KvOperationEntity);
  }

  /** Queues an operation unless another is queued or running on the cluster (KV_OPERATION_IN_PROGRESS). */
  async createQueued(cluster: string, kind: KvOperationKind, params: Record<string, unknown>): Promise<KvOperationEntity> {
    const operationId = randomUUID();
    await this.events.decide((events) => {
      const active = activeOperations(events).get(cluster);
      if (active !== undefined) throw operationInProgress(cluster, active);
      return { append: [createEvent(KvEventType.operationQueued, operationId, { operationId, cluster, kind, params })], result: undefined };
    });
    return this.get(operationId);
  }

  /** A run of the operation begins (`run` counts from 1). */
  async started(row: KvOperationEntity, run: number): Promise<void> {
    await this.events.appendToOperation(
      row.id,
      createEvent(KvEventType.operationStarted, row.id, { operationId: row.id, cluster: row.cluster, run }),
      true,
    );
  }

  /** A checkpoint: progress and the state a resumed run continues from. */
  async progressed(
    row: KvOperationEntity,
    progress: { percent: number; step: string; message: string },
    state: Record<string, unknown>,
  ): Promise<void> {
    const payload = { operationId: row.id, cluster: row.cluster, ...progress, state };
    await this.events.appendToOperation(row.id, createEvent(KvEventType.operationProgressed, row.id, payload), false);
  }

  /** The operation finished; the cluster may take another. */
  async succeeded(row: KvOperationEntity, state: Record<string, unknown>): Promise<void> {
    await this.events.decide(() => ({
      append: [createEvent(KvEventType.operationSucceeded, row.id, { operationId: row.id, cluster: row.cluster, state })],
      result: undefined,
    }));
  }

  /** The operation failed; it keeps its checkpoint and may be resumed. */
  async failed(row: KvOperationEntity, error: string): Promise<void> {
    await this.events.decide(() => ({
      append: [createEvent(KvEventType.operationFailed, row.id, { operationId: row.id, cluster: row.cluster, error })],
      result: undefined,
    }));
  }

  /** Queues a failed operation again (KV_OPERATION_NOT_RESUMABLE unless it failed and its cluster is free). */
  async resumed(row: KvOperationEntity): Promise<void> {
    await this.events.decide((events) => {
      if (!failedOperations(events).has(row.id)) throw operationNotResumable(row.id, row.status);
      const active = activeOperations(events).get(row.cluster);
      if (active !== undefined) throw operationNotResumable(row.id, `blocked by ${active}`);
      return {
        append: [createEvent(KvEventType.operationResumed, row.id, { operationId: row.id, cluster: row.cluster })],
        result: undefined,
      };
    });
  }

  /** The queued or running operation of a cluster, if any. */
  activeOf(cluster: string): Promise<KvOperationEntity | null> {
    return this.repo.findOneBy({ cluster, status: In(ACTIVE) });
  }

  /** Every queued or running operation (re-enqueued at start-up when their job is gone). */
  allActive(): Promise<KvOperationEntity[]> {
    return this.repo.findBy({ status: In(ACTIVE) });
  }

  async get(id: string): Promise<KvOperationEntity> {
    const row = await this.repo.findOneBy({ id });
    if (row === null) throw operationNotFound(id);
    return row;
  }

  /** Newest first. */
  list(cluster: string, limit: number): Promise<KvOperationEntity[]> {
    return this.repo.find({ where: { cluster }, order: { createdAt: 'DESC' }, take: limit });
  }
}

/** The API view of an operation row. */
export function toView(row: KvOperationEntity): KvOperationView {
  return {
    id: row.id,
    cluster: row.cluster,
    kind: row.kind as KvOperationKind,
    status: row.status as KvOperationView['status'],
    params: JSON.parse(row.params) as Record<string, unknown>,
    percent: row.percent,
    step: row.step,
    message: row.message,
    error: row.error,
    runs: row.runs,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}
