import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MONITOR_CONFIG, type MonitorConfig } from '../config/monitor.config.js';
import { AlarmEngine } from './alarm-engine.js';
import { AlarmRules } from './alarm-rules.domain.js';
import { MonitorEventLog } from './monitor-event-log.js';
import { MonitorReadModels } from './monitor-read-models.js';

/**
 * Starts the alarms: the event stream, the rules and alarms of an older monitor carried into it once, the read
 * models caught up; then judges the rules every `alarmIntervalMs`.
 */
@Injectable()
export class AlarmSchedule implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('alarm-schedule');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: MonitorEventLog,
    private readonly readModels: MonitorReadModels,
    private readonly rules: AlarmRules,
    private readonly alarms: AlarmEngine,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.init();
    await this.rules.importLegacyRows((await this.readModels.rules.checkpoint()) === 0);
    await this.alarms.importLegacyRows((await this.readModels.alarms.checkpoint()) === 0);
    await this.readModels.start();
    if (this.config.alarmIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.alarms.evaluate(Date.now()).catch((error: unknown) => this.logger.error(`alarm evaluation failed: ${String(error)}`));
      }, this.config.alarmIntervalMs);
      this.timer.unref();
    }
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
