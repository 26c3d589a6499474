import { ConfigType, resolveConfig, type ConfigOf } from '@msec/platform';

/** Keys of the bus the deploy service hosts (delay scheduler and `msec.bus.*` API), read from the environment. */
export const messagingConfigSchema = {
  busSubjects: {
    type: ConfigType.string,
    env: 'MSEC_BUS_SUBJECTS',
    default: '',
    description: 'comma-separated subject patterns the bus API may publish to (e.g. "order.>,billing.*"); empty = any valid subject',
  },
  busPrefix: {
    type: ConfigType.string,
    env: 'MSEC_BUS_PREFIX',
    default: 'msec',
    description: 'Redis key prefix of the delay scheduler (one per NATS + Redis deployment)',
  },
  busMaxMessageBytes: {
    type: ConfigType.integer,
    env: 'MSEC_BUS_MAX_MESSAGE_BYTES',
    default: 0,
    min: 0,
    description: 'largest message body in bytes; 0 = the NATS server max_payload less 8 KiB',
  },
  busScheduler: {
    type: ConfigType.boolean,
    env: 'MSEC_BUS_SCHEDULER',
    default: true,
    description: 'run the delay scheduler in this instance (several instances are safe: one leader dispatches)',
  },
} as const;

/** The validated messaging configuration. */
export type MessagingConfig = ConfigOf<typeof messagingConfigSchema>;

/** Injection token of MessagingConfig. */
export const MESSAGING_CONFIG = Symbol('MESSAGING_CONFIG');

/** Reads the messaging keys; stops start-up naming every bad key. */
export function loadMessagingConfig(env: NodeJS.ProcessEnv = process.env): MessagingConfig {
  return resolveConfig(messagingConfigSchema, {}, env, 'deploy messaging configuration');
}

/** The subject patterns of MSEC_BUS_SUBJECTS, or undefined for "any valid subject". */
export function allowedSubjects(config: MessagingConfig): string[] | undefined {
  const list = config.busSubjects
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return list.length === 0 ? undefined : list;
}
