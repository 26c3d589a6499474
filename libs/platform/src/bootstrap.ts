import 'reflect-metadata';
import { Logger, type DynamicModule, type INestApplication, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { natsConnectionOptions, type NatsEndpoint } from './nats-connection.js';
import { MsecRpcErrorFilter } from './rpc-error.filter.js';

/** Options shared by every platform service. */
export interface BootstrapOptions {
  component: string;
  /** NATS address, credentials and TLS (the service's config has these keys). */
  nats: NatsEndpoint;
}

function natsTransport(options: BootstrapOptions): MicroserviceOptions {
  return {
    transport: Transport.NATS,
    // A queue group per component lets several instances share requests.
    options: {
      ...natsConnectionOptions(options.nats),
      name: `msec-${options.component}`,
      queue: `msec-${options.component}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    },
  };
}

/** Starts a NestJS app that only listens on NATS; stops gracefully on SIGTERM/SIGINT. */
export async function bootstrapNatsService(module: Type<unknown> | DynamicModule, options: BootstrapOptions): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
    ...natsTransport(options),
    logger: ['log', 'warn', 'error'],
  });
  app.useGlobalFilters(new MsecRpcErrorFilter());
  app.enableShutdownHooks();
  await app.listen();
  new Logger(options.component).log(`listening on NATS ${options.nats.natsUrl} (pid ${process.pid})`);
  return app;
}

/** Starts a NestJS HTTP app that also listens on NATS (the gateway). */
export async function bootstrapHttpService(
  module: Type<unknown> | DynamicModule,
  options: BootstrapOptions & { httpHost: string; httpPort: number; configure?: (app: INestApplication) => void | Promise<void> },
): Promise<INestApplication> {
  const app = await NestFactory.create(module, { logger: ['log', 'warn', 'error'] });
  app.connectMicroservice<MicroserviceOptions>(natsTransport(options), { inheritAppConfig: true });
  app.useGlobalFilters(new MsecRpcErrorFilter());
  app.enableShutdownHooks();
  await options.configure?.(app);
  await app.startAllMicroservices();
  await app.listen(options.httpPort, options.httpHost);
  new Logger(options.component).log(
    `listening on http://${options.httpHost}:${options.httpPort} and NATS ${options.nats.natsUrl} (pid ${process.pid})`,
  );
  return app;
}
