import { Component, NatsRole, Subjects, type HealthReport } from '@msec/contracts';
import type { NatsTestServer } from '@msec/testing';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { MsecRpcErrorFilter, natsConnectionOptions, natsRequest } from '@msec/platform';
import { DeployModule } from '../../src/deploy.module.js';
import { loadDeployConfig } from '../../src/config/deploy.config.js';

/** Starts the deploy module in-process on NATS (as the deploy identity) with its SQLite under dataDir. */
export async function startDeployApp(nats: NatsTestServer, redisUrl: string, dataDir: string): Promise<INestMicroservice> {
  const config = loadDeployConfig({ ...(await nats.envFor(NatsRole.deploy)), MSEC_REDIS_URL: redisUrl, MSEC_DATA_DIR: dataDir });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(DeployModule.forConfig(config), {
    transport: Transport.NATS,
    options: { ...natsConnectionOptions(config), queue: 'msec-deploy' },
    logger: ['error'],
  });
  app.useGlobalFilters(new MsecRpcErrorFilter());
  await app.listen();
  // listen() can resolve before NATS has the subscriptions; a first request then finds no responders.
  const nc = await nats.connect();
  try {
    for (let i = 0; i < 100; i += 1) {
      const ready = await natsRequest<HealthReport>(nc, Subjects.health(Component.deploy), {}, 1000).then(
        () => true,
        () => false,
      );
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await nc.close();
  }
  return app;
}
