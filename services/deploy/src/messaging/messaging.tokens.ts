/** The MessageBus of the bus API (publishes as producer "msec-deploy"). */
export const DEPLOY_BUS = Symbol('DEPLOY_BUS');
/** The DelayScheduler, or null when MSEC_BUS_SCHEDULER=false. */
export const DELAY_SCHEDULER = Symbol('DELAY_SCHEDULER');
/** The scheduler's own Redis connection. */
export const BUS_REDIS = Symbol('BUS_REDIS');
