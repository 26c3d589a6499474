import { Inject, Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { openDataSource, type DataSourceSpec } from '@msec/persistence';
import { NATS_CONNECTION, connectNats, type NatsEndpoint } from './nats-connection.js';

/** Closes a service's own NATS connection and database when Nest shuts down. */
@Injectable()
class CoreResourcesCloser implements OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    new Logger('shutdown').log('closed NATS and database');
  }
}

/** Providers every platform service shares: its NATS connection and its own migrated DataSource. */
export function coreProviders(component: string, nats: NatsEndpoint, database: DataSourceSpec): Provider[] {
  return [
    { provide: NATS_CONNECTION, useFactory: () => connectNats(nats, `msec-${component}-client`) },
    { provide: DataSource, useFactory: () => openDataSource(database) },
    CoreResourcesCloser,
  ];
}
