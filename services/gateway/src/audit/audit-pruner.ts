import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource, LessThan, LessThanOrEqual, type Repository } from 'typeorm';
import { AuditEntryEntity } from './audit.entities.js';

/** How long and how many audit entries are kept (config `auditRetentionDays`, `auditMaxEntries`). */
export interface AuditRetention {
  retentionDays: number;
  maxEntries: number;
}

/** Injection token of the audit retention (from the gateway's configuration). */
export const AUDIT_RETENTION = Symbol('AUDIT_RETENTION');

/** What one pruning pass deleted. */
export interface AuditPruned {
  /** Entries older than the retention. */
  expired: number;
  /** The oldest entries beyond the maximum count. */
  excess: number;
}

/** Rows deleted per statement: each statement is short, and other queries run between them. */
export const AUDIT_PRUNE_BATCH = 1000;
/** How often the pruner runs after the pass at start. */
export const AUDIT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

const DAY_MS = 86_400_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Keeps the audit log bounded: at start and every hour deletes entries older than `retentionDays` and then the
 * oldest beyond `maxEntries`, in batches of {@link AUDIT_PRUNE_BATCH} rows so requests are never held up for long.
 */
@Injectable()
export class AuditPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('audit');
  private readonly entries: Repository<AuditEntryEntity>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AuditPruned> | undefined;
  private stopped = false;

  constructor(
    dataSource: DataSource,
    @Inject(AUDIT_RETENTION) private readonly retention: AuditRetention,
  ) {
    this.entries = dataSource.getRepository(AuditEntryEntity);
  }

  onApplicationBootstrap(): void {
    void this.pruneLogged();
    this.timer = setInterval(() => void this.pruneLogged(), AUDIT_PRUNE_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pruning pass now (or the one already under way); resolves with what it deleted. */
  prune(now = Date.now()): Promise<AuditPruned> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pruneLogged(): Promise<void> {
    try {
      const { expired, excess } = await this.prune();
      if (expired + excess > 0)
        this.logger.log(
          `pruned ${expired} audit entries older than ${this.retention.retentionDays} days and ${excess} beyond the newest ${this.retention.maxEntries}`,
        );
    } catch (error) {
      this.logger.error(`audit pruning failed (retried within the hour): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async pass(now: number): Promise<AuditPruned> {
    const cutoff = now - this.retention.retentionDays * DAY_MS;
    let expired = 0;
    // Oldest first along the index on `at`: each statement deletes about one batch (a few more if times tie).
    while (!this.stopped) {
      const [edge] = await this.entries.find({
        select: { id: true, at: true },
        where: { at: LessThan(cutoff) },
        order: { at: 'ASC' },
        skip: AUDIT_PRUNE_BATCH - 1,
        take: 1,
      });
      const deleted = await this.entries.delete({ at: edge ? LessThanOrEqual(edge.at) : LessThan(cutoff) });
      expired += deleted.affected ?? 0;
      if (!edge) break;
      await nextTurn();
    }
    // Ids only grow and rows only leave from the old end, so the newest `maxEntries` are those above this id;
    // no COUNT(*), which costs a scan of the whole table.
    let excess = 0;
    const [newest] = await this.entries.find({ select: { id: true }, order: { id: 'DESC' }, take: 1 });
    const keepAbove = (newest?.id ?? 0) - this.retention.maxEntries;
    while (!this.stopped && keepAbove > 0) {
      const [edge] = await this.entries.find({ select: { id: true }, order: { id: 'ASC' }, skip: AUDIT_PRUNE_BATCH - 1, take: 1 });
      const deleted = (await this.entries.delete({ id: LessThanOrEqual(Math.min(edge?.id ?? keepAbove, keepAbove)) })).affected ?? 0;
      excess += deleted;
      if (deleted === 0 || !edge || edge.id >= keepAbove) break;
      await nextTurn();
    }
    return { expired, excess };
  }
}
