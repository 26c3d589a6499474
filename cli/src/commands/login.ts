import { hostname } from 'node:os';
import { badArgs, noPassword, passwordChangeRequired } from '../api/api.errors.js';
import { resolveApiUrl, type ApiTarget } from '../api/api-target.js';
import { canPrompt, processIo, promptHidden, readAll, type CliIo } from '../api/cli-io.js';
import { credentialsFile, readCredentials, removeCredentials, writeCredentials, type Credentials } from '../api/credentials.js';
import { RestClient } from '../api/rest-client.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { msecHome } from '../paths.js';

/** Usage of `msec login` and `msec logout`. */
export const LOGIN_USAGE = `usage: ./msec login [--url URL] [--user NAME] [--read-only] [--expires-days N|never]
       ./msec logout

  login    asks for the password (or reads MSEC_PASSWORD, or stdin), creates an API token named after
           this host and stores it in ~/.config/msec/credentials.json (mode 0600). A one-time password
           must be replaced first: on a terminal you are asked for a new one, else set MSEC_NEW_PASSWORD.
           The token expires after 90 days unless --expires-days says otherwise (1..3650, or never);
           --read-only makes a token that acts as a viewer and can change nothing.
  logout   revokes the stored token and deletes the file.

  The API is --url, else MSEC_API_URL, else the running stack's console (./msec up).`;

/** Flags of `msec login` that take no value. */
export const LOGIN_BOOLEAN_FLAGS = ['read-only'] as const;

/** Shortest password the gateway accepts. */
const MIN_PASSWORD = 10;
/** Longest token lifetime the gateway accepts, in days. */
const MAX_TOKEN_DAYS = 3650;

interface LoginReply {
  user: { username: string; role: string; mustChangePassword: boolean };
  csrfToken: string;
}

interface CreatedToken {
  id: string;
  name: string;
  token: string;
  scope: string;
  expiresAt: string | null;
}

/** `--expires-days N|never` as the API's `expiresInDays` (absent: the gateway's default of 90 days). */
function expiresInDays(args: ParsedArgs): number | null | undefined {
  const value = args.flags['expires-days'];
  if (value === undefined) return undefined;
  if (value === 'never') return null;
  const days = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(days >= 1 && days <= MAX_TOKEN_DAYS))
    throw badArgs('expires-days', `must be a whole number of days from 1 to ${MAX_TOKEN_DAYS}, or never`, LOGIN_USAGE);
  return days;
}

/** Where the API is for a command run with these flags under this launcher home. */
export function apiTarget(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo): ApiTarget {
  const url = args.flags.url;
  if (url === true) throw badArgs('url', 'needs a value, e.g. --url http://127.0.0.1:8080', LOGIN_USAGE);
  return { ...(url ? { url } : {}), stateFile: msecHome(config.homeDir).stateFile, env: io.env };
}

async function currentPassword(io: CliIo, username: string, url: string): Promise<string> {
  if (io.env.MSEC_PASSWORD) return io.env.MSEC_PASSWORD;
  const password = canPrompt(io)
    ? await promptHidden(io, `Password for ${username} at ${url}: `)
    : ((await readAll(io.stdin)).split(/\r?\n/)[0] ?? '');
  if (!password) throw noPassword();
  return password;
}

async function newPassword(io: CliIo, username: string, url: string): Promise<string> {
  if (io.env.MSEC_NEW_PASSWORD) return io.env.MSEC_NEW_PASSWORD;
  if (!canPrompt(io)) throw passwordChangeRequired(username, url);
  io.err(`${username} still has a one-time password; choose your own (${MIN_PASSWORD} characters or more).\n`);
  for (;;) {
    const first = await promptHidden(io, 'New password: ');
    if (first.length < MIN_PASSWORD) {
      io.err(`too short: at least ${MIN_PASSWORD} characters\n`);
      continue;
    }
    if ((await promptHidden(io, 'Repeat new password: ')) === first) return first;
    io.err('the two passwords differ; again\n');
  }
}

/**
 * `msec login [--url URL] [--user admin] [--read-only] [--expires-days N|never]`: logs in with a password, replaces a
 * one-time password when asked to, creates an API token named after this host, stores it (0600), revokes the token
 * it replaces and ends the login session. Returns the exit code.
 */
export async function login(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  const user = args.flags.user ?? 'admin';
  if (user === true) throw badArgs('user', 'needs a value, e.g. --user admin', LOGIN_USAGE);
  const days = expiresInDays(args);
  const scope = args.flags['read-only'] === true ? 'read-only' : 'read-write';
  const url = resolveApiUrl(apiTarget(config, args, io));
  const client = new RestClient(url);
  client.useSession();

  const password = await currentPassword(io, user, url);
  const session = await client.request<LoginReply>('POST', '/api/v1/auth/login', { username: user, password });
  client.setCsrf(session.csrfToken);
  if (session.user.mustChangePassword) {
    await client.request('POST', '/api/v1/auth/password', { currentPassword: password, newPassword: await newPassword(io, user, url) });
    io.err('password changed\n');
  }

  const file = credentialsFile(io.env);
  const previous = readCredentials(file);
  const tokenName = `msec-cli@${hostname()}`.slice(0, 100);
  const created = await client.request<CreatedToken>('POST', '/api/v1/tokens', {
    name: tokenName,
    scope,
    ...(days === undefined ? {} : { expiresInDays: days }),
  });
  // The token this login replaces is of no use any more; revoking it keeps the token list honest. The session does
  // it, since the new token may be read-only.
  if (previous && previous.url === url && previous.username === session.user.username && previous.tokenId !== created.id)
    await client.request('DELETE', `/api/v1/tokens/${previous.tokenId}`).catch(() => undefined);
  await client.request('POST', '/api/v1/auth/logout').catch(() => undefined);

  const credentials: Credentials = {
    url,
    username: session.user.username,
    role: session.user.role,
    token: created.token,
    tokenId: created.id,
    tokenName,
    createdAt: new Date().toISOString(),
  };
  writeCredentials(file, credentials);
  io.out(`Logged in to ${url} as ${credentials.username} (${credentials.role}).`);
  const lifetime = created.expiresAt === null ? 'never expires' : `expires ${created.expiresAt.slice(0, 10)}`;
  io.out(`API token "${tokenName}" (${created.scope}, ${lifetime}) stored in ${file} (readable by you only).`);
  return 0;
}

/** `msec logout`: revokes the stored token at the gateway (when it can be reached) and deletes the credentials file. */
export async function logout(_config: Pick<LauncherConfig, 'homeDir'>, _args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  const file = credentialsFile(io.env);
  const credentials = readCredentials(file);
  if (!credentials) {
    io.out('Not logged in.');
    return 0;
  }
  try {
    await new RestClient(credentials.url, { token: credentials.token }).request('DELETE', `/api/v1/tokens/${credentials.tokenId}`);
    io.out(`Token "${credentials.tokenName}" revoked at ${credentials.url}.`);
  } catch (error) {
    io.err(
      `could not revoke the token at ${credentials.url} (${error instanceof Error ? error.message : String(error)}); revoke it in Settings\n`,
    );
  }
  removeCredentials(file);
  io.out(`Logged out: ${file} removed.`);
  return 0;
}
