import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { KvOperationStatus, type KvOperationKind, type KvOperationView } from '@msec/contracts';
import { operationInProgress, operationNotFound } from '../kv-admin.errors.js';
import { KvOperationEntity } from '../clusters/kv.entities.js';

const ACTIVE = [KvOperationStatus.queued, KvOperationStatus.running];

/** The kv_operations table: history, progress, and the state each operation resumes from. */
@Injectable()
export class OperationsStore {
  private readonly repo: Repository<KvOperationEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(KvOperationEntity);
  }

  /** Inserts a queued operation; the unique active_cluster index refuses a second active one on the cluster. */
  async createQueued(cluster: string, kind: KvOperationKind, params: Record<string, unknown>): Promise<KvOperationEntity> {
    const active = await this.activeOf(cluster);
    if (active !== null) throw operationInProgress(cluster, active.id);
    const row = this.repo.create({
      id: randomUUID(),
      cluster,
      kind,
      status: KvOperationStatus.queued,
      activeCluster: cluster,
      params: JSON.stringify(params),
      state: '{}',
      percent: 0,
      step: 'queued',
      message: 'waiting for a worker',
      error: null,
      runs: 0,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    });
    try {
      await this.repo.insert(row);
    } catch (error) {
      const again = await this.activeOf(cluster);
      if (again !== null) throw operationInProgress(cluster, again.id);
      throw error;
    }
    return row;
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

  async update(id: string, patch: Partial<KvOperationEntity>): Promise<void> {
    await this.repo.update({ id }, patch);
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
