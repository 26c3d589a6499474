import { Component } from '@msec/contracts';
import { healthReporterProvider } from '@msec/platform';

/** The gateway is ready when NATS and its database are. */
export const gatewayHealth = healthReporterProvider(Component.gateway);
