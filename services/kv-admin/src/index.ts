/** The kv-admin Nest module and its configuration. */
export { KvAdminModule } from './kv-admin.module.js';
export { loadKvAdminConfig, kvAdminConfigSchema, KVADMIN_CONFIG } from './config/kv-admin.config.js';
export type { KvAdminConfig } from './config/kv-admin.config.js';
/** Pure planning and parsing, usable by tools and tests. */
export { planRebalance, targetCounts, movedSlots } from './operations/rebalance-planner.js';
export type { PlannerMaster, SlotMove } from './operations/rebalance-planner.js';
export { parseClusterNodes, parseClusterShards, SLOT_COUNT } from './topology/cluster-nodes-parser.js';
export { checkCluster } from './topology/cluster-check.js';
/** kv-admin error codes. */
export { KvErrorCode } from './kv-admin.errors.js';
