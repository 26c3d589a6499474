/** Injection token of the service's EventPublisher. */
export const DEPLOY_EVENTS = Symbol('DEPLOY_EVENTS');
