import type { EntityManager } from 'typeorm';
import type { EventMeta, Projection } from '@msec/bus';
import { KvEventSubjects, KvEventType, KvOperationStatus } from '@msec/contracts';
import { KvOperationEntity } from '../clusters/kv.entities.js';
import type { KvEvent } from '../clusters/clusters.projection.js';
import { deleteAllRows } from '@msec/persistence';

const ACTIVE: readonly string[] = [KvOperationStatus.queued, KvOperationStatus.running];

/** Per cluster, the operation that is queued or running, from the events under `kv-admin.clusters`. */
export function activeOperations(events: KvEvent[]): Map<string, string> {
  const active = new Map<string, string>();
  for (const e of events) {
    switch (e.type) {
      case KvEventType.operationQueued:
      case KvEventType.operationResumed:
        active.set(e.payload.cluster, e.payload.operationId);
        break;
      case KvEventType.operationImported:
        if (ACTIVE.includes(e.payload.status)) active.set(e.payload.cluster, e.payload.operationId);
        break;
      case KvEventType.operationSucceeded:
      case KvEventType.operationFailed:
        if (active.get(e.payload.cluster) === e.payload.operationId) active.delete(e.payload.cluster);
        break;
      default:
        break;
    }
  }
  return active;
}

/** Per operation, whether it ended failed (what a resume needs), from the events under `kv-admin.clusters`. */
export function failedOperations(events: KvEvent[]): Set<string> {
  const failed = new Set<string>();
  for (const e of events) {
    if (e.type === KvEventType.operationFailed) failed.add(e.payload.operationId);
    else if (e.type === KvEventType.operationImported && e.payload.status === KvOperationStatus.failed) failed.add(e.payload.operationId);
    else if (e.type === KvEventType.operationResumed || e.type === KvEventType.operationSucceeded) failed.delete(e.payload.operationId);
  }
  return failed;
}

/**
 * The operations read model (`kv_operations`): history, progress and the checkpoint each operation resumes from.
 * A start or progress seen after the operation ended (a late checkpoint of a run cut short) changes nothing.
 */
export class OperationsProjection implements Projection<KvEvent> {
  readonly service = 'kv-admin';
  readonly name = 'operations';
  readonly subjects = KvEventSubjects.all;

  async apply(em: EntityManager, event: KvEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(KvOperationEntity);
    switch (event.type) {
      case KvEventType.operationQueued: {
        const p = event.payload;
        if ((await repo.findOneBy({ id: p.operationId })) !== null) return;
        await repo.insert({
          id: p.operationId,
          cluster: p.cluster,
          kind: p.kind,
          status: KvOperationStatus.queued,
          activeCluster: p.cluster,
          params: JSON.stringify(p.params),
          state: '{}',
          percent: 0,
          step: 'queued',
          message: 'waiting for a worker',
          error: null,
          runs: 0,
          createdAt: event.occurredAt,
          startedAt: null,
          finishedAt: null,
        });
        return;
      }
      case KvEventType.operationStarted: {
        const row = await repo.findOneBy({ id: event.payload.operationId });
        if (row === null || !ACTIVE.includes(row.status)) return;
        await repo.update(
          { id: row.id },
          { status: KvOperationStatus.running, runs: event.payload.run, startedAt: row.startedAt ?? event.occurredAt },
        );
        return;
      }
      case KvEventType.operationProgressed: {
        const { operationId, percent, step, message, state } = event.payload;
        const row = await repo.findOneBy({ id: operationId });
        if (row === null || !ACTIVE.includes(row.status)) return;
        await repo.update({ id: operationId }, { percent, step, message, state: JSON.stringify(state) });
        return;
      }
      case KvEventType.operationSucceeded:
        await repo.update(
          { id: event.payload.operationId },
          {
            status: KvOperationStatus.succeeded,
            activeCluster: null,
            percent: 100,
            step: 'done',
            message: 'finished',
            state: JSON.stringify(event.payload.state),
            finishedAt: event.occurredAt,
          },
        );
        return;
      case KvEventType.operationFailed:
        await repo.update(
          { id: event.payload.operationId },
          {
            status: KvOperationStatus.failed,
            activeCluster: null,
            error: event.payload.error,
            message: `failed: ${event.payload.error}`,
            finishedAt: event.occurredAt,
          },
        );
        return;
      case KvEventType.operationResumed:
        await repo.update(
          { id: event.payload.operationId },
          {
            status: KvOperationStatus.queued,
            activeCluster: event.payload.cluster,
            error: null,
            step: 'queued',
            message: 'resumed; waiting for a worker',
            finishedAt: null,
          },
        );
        return;
      case KvEventType.operationImported: {
        const p = event.payload;
        await repo.save({
          id: p.operationId,
          cluster: p.cluster,
          kind: p.kind,
          status: p.status,
          activeCluster: ACTIVE.includes(p.status) ? p.cluster : null,
          params: JSON.stringify(p.params),
          state: JSON.stringify(p.state),
          percent: p.percent,
          step: p.step,
          message: p.message,
          error: p.error,
          runs: p.runs,
          createdAt: p.createdAt,
          startedAt: p.startedAt,
          finishedAt: p.finishedAt,
        });
        return;
      }
      default:
        return;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, KvOperationEntity);
  }
}
