import { Component } from '@msec/contracts';
import { healthReporterProvider } from '@msec/platform';
import { ZkSession } from '../zookeeper/zk-session.js';

/** The registry is ready when NATS, its database and ZooKeeper are. */
export const registryHealth = healthReporterProvider(Component.registry, [ZkSession], (zk: ZkSession) => [zk.healthCheck()]);
