import { MsecError } from '@msec/contracts';

/** Every reason an agent gives for refusing or failing a command. */
export const AgentErrorCode = {
  malformed: 'AGENT_MALFORMED_COMMAND',
  unknownKey: 'AGENT_UNKNOWN_KEY',
  badSignature: 'AGENT_BAD_SIGNATURE',
  wrongHost: 'AGENT_WRONG_HOST',
  notYetValid: 'AGENT_NOT_YET_VALID',
  expired: 'AGENT_EXPIRED',
  lifetimeTooLong: 'AGENT_LIFETIME_TOO_LONG',
  replayed: 'AGENT_REPLAYED',
  unknownType: 'AGENT_UNKNOWN_TYPE',
  badArgs: 'AGENT_BAD_ARGS',
  commandFailed: 'AGENT_COMMAND_FAILED',
  instanceNotFound: 'AGENT_INSTANCE_NOT_FOUND',
  packageNotFound: 'AGENT_PACKAGE_NOT_FOUND',
  packageChecksum: 'AGENT_PACKAGE_CHECKSUM_MISMATCH',
  packageUnsafe: 'AGENT_PACKAGE_UNSAFE',
  badKeyFile: 'AGENT_BAD_KEY_FILE',
  runtimeMissing: 'AGENT_RUNTIME_MISSING',
} as const;
/** One of the agent's error codes. */
export type AgentErrorCode = (typeof AgentErrorCode)[keyof typeof AgentErrorCode];

const statusOf: Record<AgentErrorCode, number> = {
  AGENT_MALFORMED_COMMAND: 400,
  AGENT_UNKNOWN_KEY: 401,
  AGENT_BAD_SIGNATURE: 401,
  AGENT_WRONG_HOST: 403,
  AGENT_NOT_YET_VALID: 401,
  AGENT_EXPIRED: 401,
  AGENT_LIFETIME_TOO_LONG: 401,
  AGENT_REPLAYED: 409,
  AGENT_UNKNOWN_TYPE: 400,
  AGENT_BAD_ARGS: 400,
  AGENT_COMMAND_FAILED: 500,
  AGENT_INSTANCE_NOT_FOUND: 404,
  AGENT_PACKAGE_NOT_FOUND: 404,
  AGENT_PACKAGE_CHECKSUM_MISMATCH: 422,
  AGENT_PACKAGE_UNSAFE: 422,
  AGENT_BAD_KEY_FILE: 500,
  AGENT_RUNTIME_MISSING: 422,
};

/** Codes found while executing that still mean "refused": the command was authentic but nothing was done. */
export const REFUSED_WHILE_EXECUTING: ReadonlySet<string> = new Set([AgentErrorCode.packageChecksum, AgentErrorCode.packageUnsafe]);

/** A command the agent will not run, or one that failed while running. */
export class AgentCommandError extends MsecError {
  constructor(code: AgentErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(code, message, { status: statusOf[code], data });
    this.name = 'AgentCommandError';
  }
}

/** Refusal helper: names the field and the fix. */
export function badArgs(field: string, fix: string): AgentCommandError {
  return new AgentCommandError(AgentErrorCode.badArgs, `args.${field}: ${fix}`, { field });
}
