import { MsecError } from '@msec/contracts';

/** Every error code the gateway itself raises. */
export const GatewayErrorCode = {
  unauthenticated: 'GATEWAY_UNAUTHENTICATED',
  forbidden: 'GATEWAY_FORBIDDEN',
  csrfRejected: 'GATEWAY_CSRF_REJECTED',
  badCredentials: 'GATEWAY_BAD_CREDENTIALS',
  loginRateLimited: 'GATEWAY_LOGIN_RATE_LIMITED',
  passwordChangeRequired: 'GATEWAY_PASSWORD_CHANGE_REQUIRED',
  notFound: 'GATEWAY_NOT_FOUND',
  conflict: 'GATEWAY_CONFLICT',
  badCursor: 'GATEWAY_BAD_CURSOR',
  noRoleDeclared: 'GATEWAY_NO_ROLE_DECLARED',
  tokenReadOnly: 'GATEWAY_TOKEN_READ_ONLY',
} as const;
/** One of the gateway's error codes. */
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/** No session cookie or API token, or one that is expired or revoked. */
export function unauthenticated(why: string): MsecError {
  return new MsecError(
    GatewayErrorCode.unauthenticated,
    `${why}; log in (POST /api/v1/auth/login) or send "Authorization: Bearer <api token>"`,
    { status: 401 },
  );
}

/** The caller's role is below what the endpoint needs (a read-only token acts as viewer, whatever its owner's role). */
export function forbidden(role: string, needed: string, readOnlyToken = false): MsecError {
  const who = readOnlyToken ? 'a read-only API token acts as viewer' : `you are ${role}`;
  return new MsecError(GatewayErrorCode.forbidden, `this needs the ${needed} role; ${who}`, {
    status: 403,
    data: { role, needed },
  });
}

/** A change sent with a read-only API token. */
export function tokenReadOnly(): MsecError {
  return new MsecError(
    GatewayErrorCode.tokenReadOnly,
    'this API token is read-only (scope read-only): it may only read; use a read-write token or log in to change things',
    { status: 403, data: { scope: 'read-only' } },
  );
}

/** A cookie-authenticated mutation without the matching X-CSRF-Token header. */
export function csrfRejected(): MsecError {
  return new MsecError(
    GatewayErrorCode.csrfRejected,
    'missing or wrong X-CSRF-Token header; send the csrfToken returned by login (also in the msec_csrf cookie)',
    { status: 403 },
  );
}

/** Unknown user or wrong password (deliberately the same message for both). */
export function badCredentials(): MsecError {
  return new MsecError(GatewayErrorCode.badCredentials, 'wrong username or password', { status: 401 });
}

/** Too many failed logins for this username from this address. */
export function loginRateLimited(retryAfterSeconds: number, what = 'logins'): MsecError {
  return new MsecError(GatewayErrorCode.loginRateLimited, `too many failed ${what}; try again in ${retryAfterSeconds} s`, {
    status: 429,
    retryable: true,
    data: { retryAfterSeconds },
  });
}

/** The user still has the one-time password and must change it first. */
export function passwordChangeRequired(): MsecError {
  return new MsecError(GatewayErrorCode.passwordChangeRequired, 'change your one-time password first (POST /api/v1/auth/password)', {
    status: 403,
  });
}

/** A resource of the gateway (user, token, route) does not exist. */
export function notFound(what: string): MsecError {
  return new MsecError(GatewayErrorCode.notFound, `${what} not found`, { status: 404 });
}

/** The resource already exists or the change would break an invariant (e.g. removing the last admin). */
export function conflict(message: string, field?: string): MsecError {
  return new MsecError(GatewayErrorCode.conflict, message, { status: 409, ...(field ? { data: { field } } : {}) });
}

/** A pagination cursor that this gateway did not issue. */
export function badCursor(): MsecError {
  return new MsecError(GatewayErrorCode.badCursor, 'cursor: not a cursor from a previous page; omit it to start from the first page', {
    status: 400,
    data: { field: 'cursor' },
  });
}

/** A controller method without @Access: deny by default. */
export function noRoleDeclared(handler: string): MsecError {
  return new MsecError(GatewayErrorCode.noRoleDeclared, `${handler} declares no @Access role; denied by default`, { status: 403 });
}
