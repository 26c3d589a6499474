import { Injectable, Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FindOptionsWhere, Repository } from 'typeorm';
import type { AgentAuditEvent } from '@msec/contracts';
import { ValidationError } from '@msec/contracts';
import { AuditRecord } from './audit.entities.js';

/** Query of `msec.deploy.audit.list`. */
export interface AuditQuery {
  hostId?: string;
  commandId?: string;
  outcome?: string;
  limit?: number;
}

/** Stores every agent audit event and answers queries over them, newest first. */
@Injectable()
export class AuditStore {
  private readonly repo: Repository<AuditRecord>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.repo = dataSource.getRepository(AuditRecord);
  }

  /** Appends one audit event. */
  async record(e: AgentAuditEvent): Promise<void> {
    // JetStream delivers at least once: a redelivered event is already here.
    if (
      e.commandId !== null &&
      (await this.repo.existsBy({ hostId: e.hostId, commandId: e.commandId, receivedAt: e.receivedAt, outcome: e.outcome }))
    )
      return;
    await this.repo.insert({
      hostId: e.hostId,
      commandId: e.commandId,
      type: e.type?.slice(0, 64) ?? null,
      outcome: e.outcome,
      code: e.code,
      reason: e.reason,
      keyId: e.keyId?.slice(0, 32) ?? null,
      argsDigest: e.argsDigest,
      receivedAt: e.receivedAt,
      durationMs: e.durationMs,
      issuedAt: typeof e.issuedAt === 'number' && Number.isFinite(e.issuedAt) ? e.issuedAt : null,
      requestedBy: typeof e.requestedBy === 'string' ? e.requestedBy.slice(0, 160) : null,
    });
  }

  /** Audit rows matching the query. */
  async list(query: AuditQuery = {}): Promise<AgentAuditEvent[]> {
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError('limit', 'must be an integer in 1..1000');
    const where: FindOptionsWhere<AuditRecord> = {};
    if (query.hostId !== undefined) where.hostId = query.hostId;
    if (query.commandId !== undefined) where.commandId = query.commandId;
    if (query.outcome !== undefined) where.outcome = query.outcome;
    const rows = await this.repo.find({ where, order: { id: 'DESC' }, take: limit });
    return rows.map((r) => ({
      hostId: r.hostId,
      commandId: r.commandId,
      type: r.type,
      keyId: r.keyId,
      issuedAt: r.issuedAt === null ? null : Number(r.issuedAt),
      receivedAt: Number(r.receivedAt),
      outcome: r.outcome as AgentAuditEvent['outcome'],
      code: r.code,
      reason: r.reason,
      argsDigest: r.argsDigest,
      durationMs: r.durationMs,
      requestedBy: r.requestedBy,
    }));
  }
}
