import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `msec login` stores: the API token and the gateway it belongs to. */
export interface Credentials {
  url: string;
  username: string;
  role: string;
  token: string;
  tokenId: string;
  tokenName: string;
  createdAt: string;
}

/** `$XDG_CONFIG_HOME/msec/credentials.json`, else `~/.config/msec/credentials.json`. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'msec', 'credentials.json');
}

/** The stored credentials, or undefined when there are none (or the file is unreadable). */
export function readCredentials(file: string): Credentials | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
    return typeof c.token === 'string' && typeof c.url === 'string' ? (c as Credentials) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the credentials readable by the owner only (file 0600, folder 0700), atomically. */
export function writeCredentials(file: string, credentials: Credentials): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask never loosens it, and an older file's mode is not inherited
  renameSync(tmp, file);
}

/** Forgets the stored credentials. */
export function removeCredentials(file: string): void {
  rmSync(file, { force: true });
}
