import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { MsecRpcErrorFilter } from '@msec/platform';
import { DeployModule } from '../../src/deploy.module.js';
import { loadDeployConfig } from '../../src/config/deploy.config.js';

/** Starts the deploy module in-process on NATS with its SQLite under dataDir. */
export async function startDeployApp(natsUrl: string, redisUrl: string, dataDir: string): Promise<INestMicroservice> {
  const config = loadDeployConfig({ MSEC_NATS_URL: natsUrl, MSEC_REDIS_URL: redisUrl, MSEC_DATA_DIR: dataDir });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(DeployModule.forConfig(config), {
    transport: Transport.NATS,
    options: { servers: [natsUrl], queue: 'msec-deploy' },
    logger: ['error'],
  });
  app.useGlobalFilters(new MsecRpcErrorFilter());
  await app.listen();
  return app;
}
