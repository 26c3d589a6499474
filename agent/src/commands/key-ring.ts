import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { publicKeyId } from '@msec/contracts';
import { AgentCommandError, AgentErrorCode } from '../agent.errors.js';

/** One trusted console key and the window in which it is accepted (ms since epoch; null = open). */
export interface TrustedKey {
  keyId: string;
  publicKey: KeyObject;
  pem: string;
  notBefore: number | null;
  notAfter: number | null;
}

interface KeyFileEntry {
  publicKey: string;
  notBefore?: string | number | null;
  notAfter?: string | number | null;
}

function toTime(value: string | number | null | undefined, field: string, file: string): number | null {
  if (value === undefined || value === null) return null;
  const t = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(t))
    throw new AgentCommandError(AgentErrorCode.badKeyFile, `${file}: ${field} must be an ISO time or epoch ms`, { file });
  return t;
}

function parseEntry(entry: KeyFileEntry, file: string): TrustedKey {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(entry.publicKey);
  } catch (error) {
    throw new AgentCommandError(AgentErrorCode.badKeyFile, `${file}: publicKey is not a PEM public key (${String(error)})`, { file });
  }
  if (publicKey.asymmetricKeyType !== 'ed25519')
    throw new AgentCommandError(AgentErrorCode.badKeyFile, `${file}: only Ed25519 keys are accepted`, { file });
  return {
    keyId: publicKeyId(publicKey),
    publicKey,
    pem: entry.publicKey,
    notBefore: toTime(entry.notBefore, 'notBefore', file),
    notAfter: toTime(entry.notAfter, 'notAfter', file),
  };
}

/** Reads a console key file: a single PEM public key, or JSON `{"keys":[{publicKey, notBefore?, notAfter?}]}`. */
export function readKeyFile(file: string): TrustedKey[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AgentCommandError(
      AgentErrorCode.badKeyFile,
      `cannot read the console key ${file}: ${String(error)}; set MSEC_CONSOLE_KEY / --console-key`,
      { file },
    );
  }
  if (text.trimStart().startsWith('-----BEGIN')) return [parseEntry({ publicKey: text }, file)];
  let parsed: { keys?: KeyFileEntry[] };
  try {
    parsed = JSON.parse(text) as { keys?: KeyFileEntry[] };
  } catch {
    throw new AgentCommandError(AgentErrorCode.badKeyFile, `${file}: neither a PEM key nor JSON {"keys":[...]}`, { file });
  }
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0)
    throw new AgentCommandError(AgentErrorCode.badKeyFile, `${file}: "keys" must be a non-empty array`, { file });
  return parsed.keys.map((entry) => parseEntry(entry, file));
}

/**
 * The console keys this agent trusts: those of the configured key file, overridden by the rotations it
 * accepted (persisted in `<stateDir>/keyring.json`, so they survive restarts). Fails closed: no key, no command.
 */
export class KeyRing {
  private keys = new Map<string, TrustedKey>();
  private readonly rotatedFile: string;

  constructor(
    private readonly consoleKeyFile: string,
    stateDir: string,
  ) {
    this.rotatedFile = join(stateDir, 'keyring.json');
    this.reload();
  }

  /** Re-reads the key file and the rotation state. */
  reload(): void {
    const keys = new Map<string, TrustedKey>();
    for (const key of readKeyFile(this.consoleKeyFile)) keys.set(key.keyId, key);
    if (existsSync(this.rotatedFile)) for (const key of readKeyFile(this.rotatedFile)) keys.set(key.keyId, key);
    this.keys = keys;
  }

  /** The key with this id if it is trusted at `now`; otherwise why not. */
  lookup(keyId: string, now: number): TrustedKey | { refused: string } {
    const key = this.keys.get(keyId);
    if (!key) return { refused: `key ${keyId} is not trusted by this agent` };
    if (key.notBefore !== null && now < key.notBefore)
      return { refused: `key ${keyId} is not valid before ${new Date(key.notBefore).toISOString()}` };
    if (key.notAfter !== null && now > key.notAfter)
      return { refused: `key ${keyId} was retired at ${new Date(key.notAfter).toISOString()}` };
    return key;
  }

  /** Trusts a new key from now; every other key stays valid for overlapMs more, then is retired. */
  rotate(publicKeyPem: string, overlapMs: number, now: number): { keyId: string; retiring: string[]; retireAt: number } {
    const fresh = parseEntry({ publicKey: publicKeyPem }, 'rotate-key args.publicKey');
    const retireAt = now + overlapMs;
    const retiring: string[] = [];
    const next = new Map<string, TrustedKey>();
    for (const key of this.keys.values()) {
      if (key.keyId === fresh.keyId) continue;
      const notAfter = key.notAfter === null ? retireAt : Math.min(key.notAfter, retireAt);
      next.set(key.keyId, { ...key, notAfter });
      retiring.push(key.keyId);
    }
    next.set(fresh.keyId, { ...fresh, notBefore: null, notAfter: null });
    const body = { keys: [...next.values()].map((k) => ({ publicKey: k.pem, notBefore: k.notBefore, notAfter: k.notAfter })) };
    mkdirSync(dirname(this.rotatedFile), { recursive: true });
    writeFileSync(`${this.rotatedFile}.tmp`, JSON.stringify(body, null, 2), { mode: 0o600 });
    renameSync(`${this.rotatedFile}.tmp`, this.rotatedFile);
    this.keys = next;
    return { keyId: fresh.keyId, retiring, retireAt };
  }

  /** Ids of the keys trusted now. */
  trustedIds(now: number): string[] {
    return [...this.keys.values()].filter((k) => !('refused' in this.lookup(k.keyId, now))).map((k) => k.keyId);
  }
}
