import { Logger } from '@nestjs/common';
import { DataSource, LessThan, type FindOptionsWhere, type Repository } from 'typeorm';
import type { AuditEntry } from '@msec/contracts';
import { pageOf, type Page } from '../http/pagination.js';
import { AuditEntryEntity } from './audit.entities.js';

/** One audit entry as the API shows it (the wire type is in @msec/contracts). */
export type { AuditEntry };

/** What gets recorded for one mutating call. */
export type AuditRecord = Omit<AuditEntryEntity, 'id' | 'detail'> & { detail?: string | null };

/** The audit log: append-only, read newest first. */
export class AuditDomain {
  private readonly logger = new Logger('audit');
  private readonly entries: Repository<AuditEntryEntity>;

  constructor(dataSource: DataSource) {
    this.entries = dataSource.getRepository(AuditEntryEntity);
  }

  /** Appends one entry; a failure is logged, never thrown at the caller whose call already finished. */
  async record(entry: AuditRecord): Promise<void> {
    try {
      await this.entries.insert({ ...entry, detail: entry.detail ?? null });
    } catch (error) {
      this.logger.error(
        `could not record ${entry.method} ${entry.path} by ${entry.actor}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Entries newest first, optionally of one actor, a page at a time. */
  async list(limit: number, beforeId: number | undefined, actor: string | undefined): Promise<Page<AuditEntry>> {
    const where: FindOptionsWhere<AuditEntryEntity> = {};
    if (beforeId !== undefined) where.id = LessThan(beforeId);
    if (actor !== undefined) where.actor = actor;
    const rows = await this.entries.find({ where, order: { id: 'DESC' }, take: limit + 1 });
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => ({
        id: r.id,
        at: new Date(r.at).toISOString(),
        actor: r.actor,
        role: r.role,
        via: r.via,
        method: r.method,
        path: r.path,
        status: r.status,
        result: r.result,
        detail: r.detail,
      }),
    );
  }
}
