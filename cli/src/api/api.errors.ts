import { MsecError } from '@msec/contracts';

/** Codes the CLI's REST client raises itself (the gateway's own codes pass through unchanged). */
export const CliApiErrorCode = {
  unreachable: 'CLI_API_UNREACHABLE',
  badReply: 'CLI_API_BAD_REPLY',
  notLoggedIn: 'CLI_NOT_LOGGED_IN',
  passwordChangeRequired: 'CLI_PASSWORD_CHANGE_REQUIRED',
  noPassword: 'CLI_NO_PASSWORD',
  badArgs: 'CLI_BAD_ARGS',
} as const;
/** One of CliApiErrorCode. */
export type CliApiErrorCode = (typeof CliApiErrorCode)[keyof typeof CliApiErrorCode];

/** Nothing answers at the API address. */
export const apiUnreachable = (url: string, cause: unknown): MsecError =>
  new MsecError(
    CliApiErrorCode.unreachable,
    `cannot reach the REST API at ${url} (${cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)}); is the stack running (./msec up), or pass --url / set MSEC_API_URL`,
    { status: 503, retryable: true, data: { url }, cause },
  );

/** The reply was not the gateway's JSON. */
export const badReply = (url: string, status: number, text: string): MsecError =>
  new MsecError(CliApiErrorCode.badReply, `${url} answered ${status} with something that is not the MSEC REST API: ${text.slice(0, 200)}`, {
    status: 502,
    data: { url },
  });

/** No token stored and none in MSEC_TOKEN. */
export const notLoggedIn = (file: string): MsecError =>
  new MsecError(CliApiErrorCode.notLoggedIn, `not logged in (no ${file} and no MSEC_TOKEN); run ./msec login`, { status: 401 });

/** The account still has a one-time password and no new one was given. */
export const passwordChangeRequired = (username: string, url: string): MsecError =>
  new MsecError(
    CliApiErrorCode.passwordChangeRequired,
    `${username} must replace the one-time password before anything else: run ./msec login on a terminal (it asks for a new one), set MSEC_NEW_PASSWORD (10 characters or more), or sign in once at ${url}`,
    { status: 403, data: { field: 'password' } },
  );

/** No password on a terminal, in MSEC_PASSWORD or on stdin. */
export const noPassword = (): MsecError =>
  new MsecError(CliApiErrorCode.noPassword, 'no password given: type it on a terminal, set MSEC_PASSWORD, or pipe it on stdin', {
    status: 400,
    data: { field: 'password' },
  });

/** A command line that cannot work; names the argument and shows the usage. */
export const badArgs = (field: string, message: string, usage?: string): MsecError =>
  new MsecError(CliApiErrorCode.badArgs, `${field}: ${message}${usage ? `\n\n${usage}` : ''}`, { status: 400, data: { field } });
