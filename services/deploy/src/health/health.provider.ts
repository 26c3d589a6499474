import { Component } from '@msec/contracts';
import { healthReporterProvider, redisCheck } from '@msec/platform';
import { DEPLOY_CONFIG, type DeployConfig } from '../config/deploy.config.js';

/** Deploy is ready when NATS, its database and Redis (rate quotas, locks) are. */
export const deployHealth = healthReporterProvider(Component.deploy, [DEPLOY_CONFIG], (config: DeployConfig) => [
  redisCheck(config.redisUrl, config.redisTlsCa),
]);
