import { Component } from '@msec/contracts';
import { healthReporterProvider, redisCheck } from '@msec/platform';
import { KVADMIN_CONFIG, type KvAdminConfig } from '../config/kv-admin.config.js';

/** kv-admin is ready when NATS, its database and its Redis are. */
export const kvAdminHealth = healthReporterProvider(Component.kvAdmin, [KVADMIN_CONFIG], (config: KvAdminConfig) => [
  redisCheck(config.redisUrl, config.redisTlsCa),
]);
