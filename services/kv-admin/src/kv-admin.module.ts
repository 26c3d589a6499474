import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { ClustersController } from './clusters/clusters.controller.js';
import { ClustersDomain } from './clusters/clusters.domain.js';
import { ProjectionCheckpointEntity } from '@msec/bus';
import { KvAdminEvents } from './events/kv-admin-events.js';
import { KvClusterEntity, KvClusterSecretEntity, KvOperationEntity } from './clusters/kv.entities.js';
import { KV_MIGRATIONS } from './clusters/kv.migrations.js';
import { KVADMIN_CONFIG, type KvAdminConfig } from './config/kv-admin.config.js';
import { KV_EVENT_SINK, NatsKvEventSink } from './events/kv-event-sink.js';
import { HealthController } from './health/health.controller.js';
import { kvAdminHealth } from './health/health.provider.js';
import { KeyInspector } from './keys/key-inspector.js';
import { MonitoringController } from './monitoring/monitoring.controller.js';
import { NodeSampler } from './monitoring/node-sampler.js';
import { SlowlogReader } from './monitoring/slowlog.reader.js';
import { OperationQueue } from './operations/operation-queue.js';
import { OperationsController } from './operations/operations.controller.js';
import { OperationsDomain } from './operations/operations.domain.js';
import { OperationsStore } from './operations/operations.store.js';
import { RedisConnections } from './redis/redis-connections.js';
import { PasswordBox } from './secrets/password-box.js';
import { TopologyReader } from './topology/topology.reader.js';

/** The kv-admin service: Redis Cluster administration over NATS. */
@Module({})
export class KvAdminModule {
  static forConfig(config: KvAdminConfig): DynamicModule {
    return {
      module: KvAdminModule,
      controllers: [HealthController, ClustersController, OperationsController, MonitoringController],
      providers: [
        kvAdminHealth,
        { provide: KVADMIN_CONFIG, useValue: config },
        ...coreProviders(Component.kvAdmin, config, {
          target: databaseTargetFor(Component.kvAdmin, config),
          entities: [KvClusterEntity, KvClusterSecretEntity, KvOperationEntity, ProjectionCheckpointEntity],
          migrations: KV_MIGRATIONS,
        }),
        { provide: KV_EVENT_SINK, useClass: NatsKvEventSink },
        RedisConnections,
        {
          provide: PasswordBox,
          useFactory: () => PasswordBox.open(config.secretKeyFile || join(config.dataDir, 'secrets', 'kv-admin.key')),
        },
        TopologyReader,
        KvAdminEvents,
        ClustersDomain,
        OperationsStore,
        OperationQueue,
        OperationsDomain,
        NodeSampler,
        SlowlogReader,
        KeyInspector,
      ],
    };
  }
}
