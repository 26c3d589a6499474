import { KvEventType } from '../kv/kv-events.js';
import type { EventDefinition } from './event-definition.js';

const OWNER = 'kv-admin';
const SUBJECT = 'kv-admin.clusters';

/** kv-admin's events: Redis Clusters registered, their seed nodes, and clusters forgotten. */
export const kvEventDefinitions: EventDefinition[] = [
  {
    type: KvEventType.clusterRegistered,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: 'A Redis Cluster was registered in the console (an existing one, or one about to be created from empty nodes).',
    fields: {
      name: 'string: the cluster name',
      seeds: 'array of string: host:port of the nodes used to reach it',
      hasPassword: 'boolean: whether the nodes need a password',
      passwordRef: 'string or null: where kv-admin keeps the sealed password (the password is never in an event)',
    },
    example: {
      name: 'orders',
      seeds: ['10.0.0.11:7000', '10.0.0.12:7000', '10.0.0.13:7000'],
      hasPassword: true,
      passwordRef: '8f14e45f-ceea-467f-a8f9-1b2c3d4e5f60',
    },
  },
  {
    type: KvEventType.clusterSeedsChanged,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: "A cluster's seed nodes changed after an operation changed its members.",
    fields: { name: 'string: the cluster name', seeds: 'array of string: host:port of its members now' },
    example: { name: 'orders', seeds: ['10.0.0.11:7000', '10.0.0.12:7000', '10.0.0.13:7000', '10.0.0.14:7000'] },
  },
  {
    type: KvEventType.clusterUnregistered,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: 'A cluster was forgotten by the console; its Redis nodes keep running.',
    fields: { name: 'string: the cluster name' },
    example: { name: 'orders' },
  },
];
