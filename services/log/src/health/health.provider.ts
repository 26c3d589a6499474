import { Component } from '@msec/contracts';
import { healthReporterProvider } from '@msec/platform';

/** The log service is ready when NATS and its database are. */
export const logHealth = healthReporterProvider(Component.log);
