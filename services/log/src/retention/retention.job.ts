import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOG_CONFIG, type LogConfig } from '../config/log.config.js';
import { invalidField } from '../log.errors.js';
import { StoreTally } from '../storage/store-tally.js';
import { countRows } from './store-bound.js';
import { purgeOlderThan, retentionCutoff, type PurgeResult } from './retention.js';

/**
 * Purges lines and spans older than retentionDays at start and then every purgeIntervalMinutes (daily by default),
 * then counts the rows held.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('log-retention');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOG_CONFIG) private readonly config: LogConfig,
    private readonly tally: StoreTally,
  ) {}

  onApplicationBootstrap(): void {
    void this.purgeQuietly();
    this.timer = setInterval(() => void this.purgeQuietly(), this.config.purgeIntervalMinutes * 60_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Purges now: before `before` when given (epoch ms, not in the future), else before the retention cutoff. */
  async purge(raw?: unknown): Promise<PurgeResult> {
    const before = (raw as { before?: unknown } | null | undefined)?.before;
    if (before !== undefined && (typeof before !== 'number' || !Number.isSafeInteger(before) || before < 0 || before > Date.now())) {
      throw invalidField('before', 'epoch milliseconds not in the future, or leave it out to apply the retention');
    }
    const cutoff = typeof before === 'number' ? before : retentionCutoff(this.config.retentionDays);
    await this.running?.catch(() => undefined);
    this.running = purgeOlderThan(this.dataSource, cutoff).then(async (result) => {
      // A full count after each purge also corrects the running tally (redelivered rows counted twice).
      const counted = await countRows(this.dataSource);
      this.tally.lines = counted.lines;
      this.tally.spans = counted.spans;
      return result;
    });
    return this.running;
  }

  private async purgeQuietly(): Promise<void> {
    try {
      const result = await this.purge();
      if (result.lines + result.spans > 0)
        this.logger.log(`purged ${result.lines} lines and ${result.spans} spans older than ${new Date(result.before).toISOString()}`);
    } catch (error) {
      this.logger.warn(`purge failed, retried at the next interval: ${String(error)}`);
    }
  }
}
