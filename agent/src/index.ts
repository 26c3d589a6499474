/** The agent's parts and configuration. */
export { AgentRuntime } from './agent.runtime.js';
export { serveHealth } from './health/health-responder.js';
export { agentConfigSchema, loadAgentConfig } from './config/agent.config.js';
export type { AgentConfig } from './config/agent.config.js';
/** Error codes the agent replies with. */
export { AgentErrorCode, AgentCommandError } from './agent.errors.js';
/** The command gate and its parts. */
export { CommandVerifier, CLOCK_SKEW_MS, parseSignedCommand } from './commands/command-verifier.js';
export { KeyRing, readKeyFile } from './commands/key-ring.js';
export type { TrustedKey } from './commands/key-ring.js';
export { NonceJournal } from './commands/nonce-journal.js';
/** Instance supervision. */
export { InstanceSupervisor } from './supervisor/instance-supervisor.js';
export type { InstanceSpec, SupervisorOptions } from './supervisor/instance-supervisor.js';
export { RotatingLog } from './supervisor/rotating-log.js';
/** Where install-package fetches tarballs, and the runtime packages are linked to. */
export { ObjectStorePackageSource } from './commands/package-fetcher.js';
export type { PackageSource, FetchedPackage } from './commands/package-fetcher.js';
export { findRuntimeModules } from './supervisor/runtime-modules.js';
