import { AGENT_MAX_COMMAND_LIFETIME_MS, AgentCommandType, verifyCommandSignature, type SignedCommand } from '@msec/contracts';
import { AgentCommandError, AgentErrorCode } from '../agent.errors.js';
import type { KeyRing } from './key-ring.js';
import type { NonceJournal } from './nonce-journal.js';

/** How far ahead of the agent's clock a command may be issued (clock skew between console and host). */
export const CLOCK_SKEW_MS = 5_000;

const KNOWN_TYPES = new Set<string>(Object.values(AgentCommandType));

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape of a received command without trusting any of it. */
export function parseSignedCommand(raw: unknown): SignedCommand {
  const fail = (what: string): never => {
    throw new AgentCommandError(
      AgentErrorCode.malformed,
      `command ${what}; send {envelope, keyId, signature} as built by the deploy service`,
    );
  };
  if (!isObject(raw)) return fail('is not a JSON object');
  const { envelope, keyId, signature } = raw;
  if (!isObject(envelope)) return fail('has no envelope object');
  if (typeof keyId !== 'string' || typeof signature !== 'string') return fail('needs string keyId and signature');
  const e = envelope;
  if (e.v !== 1) return fail('envelope.v must be 1');
  for (const field of ['hostId', 'commandId', 'nonce', 'type'] as const)
    if (typeof e[field] !== 'string' || e[field] === '') fail(`envelope.${field} must be a non-empty string`);
  for (const field of ['issuedAt', 'expiresAt'] as const)
    if (typeof e[field] !== 'number' || !Number.isFinite(e[field])) fail(`envelope.${field} must be epoch milliseconds`);
  if (!isObject(e.args)) return fail('envelope.args must be an object');
  return raw as unknown as SignedCommand;
}

/**
 * The security gate: a command passes only when it is signed by a trusted key, addressed to this host,
 * within its validity window, never seen before and of a known type. The order matters: nothing from an
 * unauthenticated command is trusted (not even its type or nonce) until the signature checks out.
 */
export class CommandVerifier {
  constructor(
    private readonly hostId: string,
    private readonly keys: KeyRing,
    private readonly nonces: NonceJournal,
  ) {}

  /** Returns the verified command (its nonce now journaled) or throws an AgentCommandError saying why not. */
  verify(raw: unknown, now: number = Date.now()): SignedCommand {
    const command = parseSignedCommand(raw);
    const key = this.keys.lookup(command.keyId, now);
    if ('refused' in key) throw new AgentCommandError(AgentErrorCode.unknownKey, key.refused, { keyId: command.keyId });
    if (!verifyCommandSignature(command, key.publicKey)) {
      throw new AgentCommandError(
        AgentErrorCode.badSignature,
        'signature does not match the envelope: forged, or a field was changed after signing',
        { keyId: command.keyId },
      );
    }
    const e = command.envelope;
    if (e.hostId !== this.hostId)
      throw new AgentCommandError(AgentErrorCode.wrongHost, `command is for host ${e.hostId}, this is ${this.hostId}`, {
        hostId: e.hostId,
      });
    if (e.expiresAt - e.issuedAt > AGENT_MAX_COMMAND_LIFETIME_MS || e.expiresAt <= e.issuedAt) {
      throw new AgentCommandError(
        AgentErrorCode.lifetimeTooLong,
        `command lifetime must be between 1 ms and ${AGENT_MAX_COMMAND_LIFETIME_MS} ms`,
      );
    }
    if (e.issuedAt > now + CLOCK_SKEW_MS)
      throw new AgentCommandError(
        AgentErrorCode.notYetValid,
        `command issued in the future (${e.issuedAt - now} ms ahead); check the clocks`,
      );
    if (now > e.expiresAt) throw new AgentCommandError(AgentErrorCode.expired, `command expired ${now - e.expiresAt} ms ago`);
    if (this.nonces.has(e.nonce, now))
      throw new AgentCommandError(AgentErrorCode.replayed, `nonce ${e.nonce} was already used: replay refused`, { nonce: e.nonce });
    this.nonces.remember(e.nonce, e.expiresAt + CLOCK_SKEW_MS, now);
    if (!KNOWN_TYPES.has(e.type))
      throw new AgentCommandError(AgentErrorCode.unknownType, `unknown command type "${e.type}"; known: ${[...KNOWN_TYPES].join(', ')}`);
    return command;
  }
}
