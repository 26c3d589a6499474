import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MsecError } from '@msec/contracts';
import { KvErrorCode } from '../kv-admin.errors.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals cluster passwords for the database with AES-256-GCM. The key lives in kv-admin's secrets file (created on
 * first start, mode 0600), never in the database: a copy of the tables alone gives no password away.
 */
export class PasswordBox {
  private constructor(private readonly key: Buffer) {}

  /** Reads the key file, creating it with a fresh random key the first time. */
  static open(keyFile: string): PasswordBox {
    if (!existsSync(keyFile)) {
      mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
      writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    }
    chmodSync(keyFile, 0o600);
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32)
      throw new MsecError('CONFIG_INVALID', `secretKeyFile ${keyFile}: expected a base64 256-bit key; remove it to generate one`, {
        status: 400,
        data: { fields: ['secretKeyFile'] },
      });
    return new PasswordBox(key);
  }

  /** `v1:<base64 iv|tag|ciphertext>`. */
  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** The password back; throws when the value was sealed with another key or altered. */
  unseal(sealed: string): string {
    const [version, data] = sealed.split(':', 2);
    const raw = Buffer.from(data ?? '', 'base64');
    if (version !== VERSION || raw.length < IV_BYTES + TAG_BYTES)
      throw new MsecError(KvErrorCode.passwordUnreadable, 'a stored cluster password is not in a format this kv-admin reads', {
        status: 500,
      });
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new MsecError(
        KvErrorCode.passwordUnreadable,
        'a stored cluster password cannot be decrypted: secretKeyFile is not the key it was sealed with; restore that file or register the cluster again',
        { status: 500, cause: error },
      );
    }
  }
}
