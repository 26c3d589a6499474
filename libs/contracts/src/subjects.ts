/** The NestJS applications of the platform, each answering `msec.<name>.health`. */
export const Component = {
  registry: 'registry',
  deploy: 'deploy',
  monitor: 'monitor',
  log: 'log',
  kvAdmin: 'kv-admin',
  gateway: 'gateway',
  agent: 'agent',
} as const;
/** One of the platform's own applications. */
export type Component = (typeof Component)[keyof typeof Component];

/** Every component in start order: the gateway last, since it fronts the others. */
export const COMPONENTS_IN_START_ORDER: readonly Component[] = [
  Component.registry,
  Component.deploy,
  Component.monitor,
  Component.log,
  Component.kvAdmin,
  Component.agent,
  Component.gateway,
];

/** NATS subjects, defined once. */
export const Subjects = {
  /** Request/reply health probe of one component. */
  health: (component: Component): string => `msec.${component}.health`,
} as const;
