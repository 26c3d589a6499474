import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { EventDecisions, sharedProjectionRunner, type Projection, type ProjectionRunner } from '@msec/bus';
import { NATS_CONNECTION } from '@msec/platform';
import { KvColourRulePublisher } from '../colour/colour-publisher.js';
import { ColourDomain, type LogEvent } from '../colour/colour.domain.js';
import { ColourRulesProjection } from '../colour/colour.projection.js';
import { SamplingDomain } from '../sampling/sampling.domain.js';
import { TraceSamplingProjection } from '../sampling/sampling.projection.js';

/** How often the KV bucket the SDKs watch is checked against the tables (repairs a put lost to a crash). */
const RECONCILE_MS = 30_000;

/** What a rebuild replayed: rows of each read model. */
export interface LogRebuildResult {
  colourRules: number;
  samplingServices: number;
}

/**
 * The log service's console settings (colouring rules, trace sampling): events first, tables as projections, the
 * SDKs' KV bucket kept equal to the tables. Several log processes may share one database.
 */
@Injectable()
export class LogSettings implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('log-settings');
  private readonly decisions: EventDecisions<LogEvent>;
  private readonly colourProjection: ProjectionRunner<LogEvent>;
  private readonly samplingProjection: ProjectionRunner<LogEvent>;
  readonly colour: ColourDomain;
  readonly sampling: SamplingDomain;
  private rebuilding: Promise<LogRebuildResult> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, dataSource: DataSource) {
    this.decisions = new EventDecisions(nc);
    this.colourProjection = this.runner(nc, dataSource, new ColourRulesProjection());
    this.samplingProjection = this.runner(nc, dataSource, new TraceSamplingProjection());
    this.colour = new ColourDomain(dataSource, this.decisions, this.colourProjection, new KvColourRulePublisher(nc));
    this.sampling = new SamplingDomain(nc, dataSource, this.decisions, this.samplingProjection);
  }

  async onModuleInit(): Promise<void> {
    await this.decisions.init();
    const colourImported = await this.colour.importLegacyRows((await this.colourProjection.checkpoint()) === 0);
    const samplingImported = await this.sampling.importFromBucket((await this.samplingProjection.checkpoint()) === 0);
    if (colourImported + samplingImported > 0)
      this.logger.log(`carried into the event stream: ${colourImported} colouring rule(s), ${samplingImported} sampling setting(s)`);
    await this.colourProjection.start();
    await this.samplingProjection.start();
    await this.reconcile().catch((error: unknown) => this.logger.warn(`cannot publish the settings to the SDKs yet: ${String(error)}`));
    this.timer = setInterval(() => {
      this.reconcile().catch((error: unknown) => this.logger.warn(`cannot publish the settings to the SDKs: ${String(error)}`));
    }, RECONCILE_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.colourProjection.stop();
    await this.samplingProjection.stop();
  }

  /** Empties both tables and replays the events; a rebuild asked for while one runs joins it. */
  rebuild(): Promise<LogRebuildResult> {
    this.rebuilding ??= this.replayAll().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private async replayAll(): Promise<LogRebuildResult> {
    await this.colourProjection.rebuild();
    await this.samplingProjection.rebuild();
    await this.reconcile();
    return { colourRules: (await this.colour.list()).length, samplingServices: Object.keys((await this.sampling.get()).services).length };
  }

  private async reconcile(): Promise<void> {
    await this.colour.publishAll();
    await this.sampling.publish();
  }

  private runner(nc: NatsConnection, dataSource: DataSource, projection: Projection<LogEvent>): ProjectionRunner<LogEvent> {
    return sharedProjectionRunner(nc, dataSource, projection, (message) => this.logger.error(message));
  }
}
