import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { databaseAnswers } from '@msec/persistence';
import { HealthReporter, type DependencyCheck } from './health.service.js';
import { NATS_CONNECTION, natsCheck } from './nats-connection.js';

/**
 * The component's HealthReporter as a provider: NATS and the database are checked for every console service, then
 * the checks `more` makes from the providers named in `inject` (Redis, ZooKeeper, what the service reports).
 */
export function healthReporterProvider<Deps extends unknown[]>(
  component: string,
  inject: InjectionToken[] = [],
  more: (...deps: Deps) => DependencyCheck[] = () => [],
): FactoryProvider<HealthReporter> {
  return {
    provide: HealthReporter,
    inject: [NATS_CONNECTION, DataSource, ...inject],
    useFactory: (nc: NatsConnection, dataSource: DataSource, ...deps: unknown[]) =>
      new HealthReporter(component, [
        natsCheck(nc),
        { name: 'database', check: () => databaseAnswers(dataSource) },
        ...more(...(deps as Deps)),
      ]),
  };
}
