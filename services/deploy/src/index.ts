/** The deploy service's Nest module and configuration. */
export { DeployModule, DEPLOY_ENTITIES, DEPLOY_MIGRATIONS } from './deploy.module.js';
export { deployConfigSchema, loadDeployConfig, DEPLOY_CONFIG } from './config/deploy.config.js';
export type { DeployConfig } from './config/deploy.config.js';
/** Error codes of the deploy service. */
export { DeployErrorCode } from './deploy.errors.js';
/** Console key and command signing. */
export { ConsoleKeyStore } from './signing/console-keys.js';
export type { ConsoleKeyPair } from './signing/console-keys.js';
export { CommandSigner, COMMAND_LIFETIME_MS } from './signing/command-signer.js';
/** Hosts read model constants. */
export { MISSED_HEARTBEATS_FOR_DOWN, HOST_SWEEP_MS } from './hosts/hosts.projection.js';
