import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { CanonicalValue, CommandEnvelope, SignedCommand } from './agent-command.js';

/** Domain separation: a signature over a command can never be mistaken for a signature over anything else. */
export const COMMAND_SIGNING_PREFIX = 'msec-command-v1\n';

/** Longest lifetime (expiresAt - issuedAt) an agent accepts, so the nonce journal stays small. */
export const AGENT_MAX_COMMAND_LIFETIME_MS = 5 * 60_000;

/**
 * JSON with object keys sorted (code-unit order) at every depth and no whitespace; refuses values JSON
 * cannot carry exactly (undefined, NaN, Infinity, functions), so signer and verifier see the same bytes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: numbers must be finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
      const entries = Object.keys(value as Record<string, unknown>)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
  }
}

/** The bytes an Ed25519 command signature covers. */
export function commandSigningBytes(envelope: CommandEnvelope): Buffer {
  return Buffer.from(COMMAND_SIGNING_PREFIX + canonicalJson(envelope), 'utf8');
}

/** Key id of a public key: first 16 hex digits of SHA-256 over its SPKI DER. */
export function publicKeyId(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** Signs an envelope with the console's Ed25519 private key. */
export function signCommand(envelope: CommandEnvelope, privateKey: KeyObject, keyId: string): SignedCommand {
  return { envelope, keyId, signature: sign(null, commandSigningBytes(envelope), privateKey).toString('base64') };
}

/** True when the signature is a valid Ed25519 signature by publicKey over the envelope as received. */
export function verifyCommandSignature(command: SignedCommand, publicKey: KeyObject): boolean {
  try {
    return verify(null, commandSigningBytes(command.envelope), publicKey, Buffer.from(command.signature, 'base64'));
  } catch {
    return false;
  }
}

/** SHA-256 (hex) of canonical args, for audit records. */
export function argsDigest(args: { [key: string]: CanonicalValue }): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}
