import { existsSync, readFileSync } from 'node:fs';
import { notLoggedIn } from './api.errors.js';
import { credentialsFile, readCredentials } from './credentials.js';
import { RestClient } from './rest-client.js';

/** Where the CLI finds the API when nothing else says: the launcher's default console address. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** Where a command looks for the API and its token. */
export interface ApiTarget {
  /** `--url`, if given. */
  url?: string;
  /** The running stack's state file (`.msec/run/state.json`), whose `consoleUrl` is the gateway. */
  stateFile?: string;
  env?: NodeJS.ProcessEnv;
}

function consoleUrlOf(stateFile: string | undefined): string | undefined {
  if (!stateFile || !existsSync(stateFile)) return undefined;
  try {
    const url = (JSON.parse(readFileSync(stateFile, 'utf8')) as { consoleUrl?: unknown }).consoleUrl;
    return typeof url === 'string' && url ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The API base URL: `--url`, then MSEC_API_URL, then the running stack's consoleUrl, then where the stored token came from, then the default. */
export function resolveApiUrl(target: ApiTarget): string {
  const env = target.env ?? process.env;
  const url =
    target.url || env.MSEC_API_URL || consoleUrlOf(target.stateFile) || readCredentials(credentialsFile(env))?.url || DEFAULT_API_URL;
  return url.replace(/\/+$/, '');
}

/** A client authenticated with MSEC_TOKEN or the token `msec login` stored; CLI_NOT_LOGGED_IN when there is neither. */
export function authenticatedClient(target: ApiTarget): RestClient {
  const env = target.env ?? process.env;
  const file = credentialsFile(env);
  const token = env.MSEC_TOKEN || readCredentials(file)?.token;
  if (!token) throw notLoggedIn(file);
  return new RestClient(resolveApiUrl(target), { token });
}
