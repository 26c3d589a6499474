import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicKeyId } from '@msec/contracts';
import { keyFileError } from '../deploy.errors.js';

/** The console's signing key in use. */
export interface ConsoleKeyPair {
  keyId: string;
  privateKey: KeyObject;
  publicPem: string;
}

/**
 * The console's Ed25519 key at `<dataDir>/keys/console.key` (PKCS#8 PEM, mode 0600), its public half next to
 * it as `console.pub`; generated on first start. A rotation keeps the old pair as `console.<keyId>.key.retired`.
 */
export class ConsoleKeyStore {
  private readonly dir: string;
  private current: ConsoleKeyPair;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'keys');
    this.current = this.loadOrCreate();
  }

  /** The key commands are signed with now. */
  get key(): ConsoleKeyPair {
    return this.current;
  }

  /** Path of the public key file agents are given. */
  get publicKeyFile(): string {
    return join(this.dir, 'console.pub');
  }

  /** Creates a new key pair and makes it current; returns the previous one (still needed to sign the rotation). */
  rotate(next: ConsoleKeyPair = generateConsoleKey()): { previous: ConsoleKeyPair; next: ConsoleKeyPair } {
    const previous = this.current;
    const file = join(this.dir, 'console.key');
    try {
      renameSync(file, join(this.dir, `console.${previous.keyId}.key.retired`));
      this.current = this.write(next);
    } catch (error) {
      throw keyFileError(file, error);
    }
    return { previous, next: this.current };
  }

  /** Reads the key file again (another deploy process sharing the data folder rotated it). */
  reload(): ConsoleKeyPair {
    this.current = this.loadOrCreate();
    return this.current;
  }

  private loadOrCreate(): ConsoleKeyPair {
    const file = join(this.dir, 'console.key');
    try {
      if (!existsSync(file)) return this.create();
      const privateKey = createPrivateKey(readFileSync(file, 'utf8'));
      const publicKey = createPublicKey(privateKey);
      const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      if (!existsSync(this.publicKeyFile)) writeFileSync(this.publicKeyFile, publicPem);
      return { keyId: publicKeyId(publicKey), privateKey, publicPem };
    } catch (error) {
      throw keyFileError(file, error);
    }
  }

  private create(): ConsoleKeyPair {
    return this.write(generateConsoleKey());
  }

  private write(pair: ConsoleKeyPair): ConsoleKeyPair {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, 'console.key');
    writeFileSync(`${file}.tmp`, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    chmodSync(`${file}.tmp`, 0o600);
    renameSync(`${file}.tmp`, file);
    writeFileSync(this.publicKeyFile, pair.publicPem);
    return pair;
  }
}

/** A new Ed25519 console key pair, in memory only. */
export function generateConsoleKey(): ConsoleKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId: publicKeyId(publicKey), privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}
