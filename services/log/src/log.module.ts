import { Module, type DynamicModule } from '@nestjs/common';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { ColourController } from './colour/colour.controller.js';
import { LOG_CONFIG, type LogConfig } from './config/log.config.js';
import { HealthController } from './health/health.controller.js';
import { logHealth } from './health/health.provider.js';
import { IngestConsumer } from './ingest/ingest.consumer.js';
import { QueryController } from './query/query.controller.js';
import { RetentionController } from './retention/retention.controller.js';
import { RetentionJob } from './retention/retention.job.js';
import { SamplingController } from './sampling/sampling.controller.js';
import { LogSettings } from './settings/log-settings.js';
import { StoreBoundJob } from './retention/store-bound.job.js';
import { LOG_ENTITIES } from './storage/log.entities.js';
import { LOG_MIGRATIONS } from './storage/log-tables.migration.js';
import { StoreTally } from './storage/store-tally.js';
import { DropCounterStore } from './storage/drop-counters.js';
import { TrimGate } from './storage/trim-gate.js';
import { TraceController } from './trace/trace.controller.js';
import { CallGraphDomain } from './trace/call-graph.domain.js';
import { SpanRepository } from './trace/span.repository.js';
import { LogQueryRepository } from './query/log-query.repository.js';

/** The log service: ingest of lines and spans, search, live tail, colouring rules, call graphs, retention. */
@Module({})
export class LogModule {
  static forConfig(config: LogConfig): DynamicModule {
    return {
      module: LogModule,
      controllers: [HealthController, QueryController, TraceController, ColourController, RetentionController, SamplingController],
      providers: [
        logHealth,
        { provide: LOG_CONFIG, useValue: config },
        ...coreProviders(Component.log, config, {
          target: databaseTargetFor(Component.log, config),
          entities: LOG_ENTITIES,
          migrations: LOG_MIGRATIONS,
        }),
        LogSettings,
        LogQueryRepository,
        SpanRepository,
        CallGraphDomain,
        StoreTally,
        DropCounterStore,
        TrimGate,
        IngestConsumer,
        RetentionJob,
        StoreBoundJob,
      ],
    };
  }
}
