import { MsecError, type ErrorPayload } from '@msec/contracts';

/** Stable codes of the errors this lib raises. */
export const RpcErrorCode = {
  frameInvalid: 'RPC_FRAME_INVALID',
  frameTooLarge: 'RPC_FRAME_TOO_LARGE',
  partialFramesLimit: 'RPC_PARTIAL_FRAMES_LIMIT',
  headInvalid: 'RPC_HEAD_INVALID',
  badRequest: 'RPC_BAD_REQUEST',
  badResponse: 'RPC_BAD_RESPONSE',
  invalidMethodName: 'RPC_INVALID_METHOD_NAME',
  methodAlreadyRegistered: 'RPC_METHOD_ALREADY_REGISTERED',
  methodNotFound: 'RPC_METHOD_NOT_FOUND',
  timeout: 'RPC_TIMEOUT',
  deadlineExceeded: 'RPC_DEADLINE_EXCEEDED',
  overloaded: 'RPC_OVERLOADED',
  rateLimited: 'RPC_RATE_LIMITED',
  circuitOpen: 'RPC_CIRCUIT_OPEN',
  connectionFailed: 'RPC_CONNECTION_FAILED',
  connectionClosed: 'RPC_CONNECTION_CLOSED',
  clientClosed: 'RPC_CLIENT_CLOSED',
  unavailable: 'RPC_UNAVAILABLE',
  invalidOption: 'RPC_INVALID_OPTION',
  internal: 'INTERNAL',
} as const;
/** One of the codes in RpcErrorCode. */
export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/**
 * Numbers carried in the head's `err` field (40) so that peers that only read numbers (original MSEC clients)
 * still tell failure kinds apart; MSEC-TS peers read the string code from field 70.
 */
export const RPC_ERR_NUMBERS: Readonly<Record<string, number>> = {
  RPC_FRAME_INVALID: -1001,
  RPC_HEAD_INVALID: -1002,
  RPC_BAD_REQUEST: -1003,
  RPC_METHOD_NOT_FOUND: -1004,
  RPC_DEADLINE_EXCEEDED: -1005,
  RPC_OVERLOADED: -1006,
  RPC_UNAVAILABLE: -1007,
  RPC_RATE_LIMITED: -1008,
  INTERNAL: -1099,
};
/** The `err` number of any code not in the table (a business or other typed error). */
export const RPC_ERR_APPLICATION = -1000;

/** An error raised by the RPC layer, or rebuilt from a peer's reply. */
export class RpcError extends MsecError {
  override readonly name: string = 'RpcError';

  constructor(code: string, message: string, options: ConstructorParameters<typeof MsecError>[2] = {}) {
    super(code, message, options);
  }
}

/** The call did not finish in time (RPC_TIMEOUT, RPC_DEADLINE_EXCEEDED). */
export class TimeoutError extends RpcError {
  override readonly name = 'TimeoutError';
}

/** The callee could not be reached or would not take the call; `retryable` says whether it may have run. */
export class UnavailableError extends RpcError {
  override readonly name = 'UnavailableError';
}

/** The request was wrong: unknown method, undecodable body, bad option or name. */
export class BadRequestError extends RpcError {
  override readonly name = 'BadRequestError';
}

/** The byte stream broke the frame protocol (garbage, bad head, oversized frame); the connection is closed. */
export class ProtocolError extends RpcError {
  override readonly name = 'ProtocolError';
}

/** An error the callee raised, rebuilt from the reply with the callee's code, message, status and data. */
export class RemoteError extends RpcError {
  override readonly name = 'RemoteError';
}

export const frameInvalid = (why: string): RpcError =>
  new ProtocolError(RpcErrorCode.frameInvalid, `malformed frame: ${why}; the peer does not speak the MSEC frame protocol`, { status: 400 });

export const frameTooLarge = (size: number, max: number): RpcError =>
  new ProtocolError(
    RpcErrorCode.frameTooLarge,
    `frame of ${size} bytes exceeds maxFrameBytes ${max}; raise maxFrameBytes on both ends or send less`,
    {
      status: 413,
      data: { size, max },
    },
  );

export const partialBytesExceeded = (max: number): RpcError =>
  new ProtocolError(
    RpcErrorCode.partialFramesLimit,
    `incomplete frames held by the server exceed maxPartialFrameBytes ${max}; the connection that went over was closed (send frames whole, or raise maxPartialFrameBytes)`,
    { status: 503, retryable: true, data: { max } },
  );

export const headInvalid = (why: string): RpcError =>
  new ProtocolError(RpcErrorCode.headInvalid, `malformed RPC head: ${why}`, { status: 400 });

export const badRequest = (method: string, cause: unknown): RpcError =>
  new BadRequestError(
    RpcErrorCode.badRequest,
    `request body of ${method} could not be decoded; check that caller and callee use the same IDL`,
    {
      status: 400,
      data: { method },
      cause,
    },
  );

export const badResponse = (method: string, cause: unknown): RpcError =>
  new RemoteError(
    RpcErrorCode.badResponse,
    `response body of ${method} could not be decoded; check that caller and callee use the same IDL`,
    {
      status: 502,
      data: { method },
      cause,
    },
  );

export const invalidMethodName = (name: string): RpcError =>
  new BadRequestError(
    RpcErrorCode.invalidMethodName,
    `method name: '${name}' is not of the form pkg.Service.Method (letters, digits, underscore; each part starts with a letter)`,
    { status: 400, data: { field: 'name', value: name } },
  );

export const methodAlreadyRegistered = (name: string): RpcError =>
  new BadRequestError(
    RpcErrorCode.methodAlreadyRegistered,
    `method ${name} is already registered on this server; register each method once`,
    {
      status: 409,
      data: { method: name },
    },
  );

export const methodNotFound = (name: string): RpcError =>
  new BadRequestError(RpcErrorCode.methodNotFound, `method ${name} is not served here; check the method name and the callee's version`, {
    status: 404,
    data: { method: name },
  });

export const timeout = (method: string, ms: number, endpoint: string): RpcError =>
  new TimeoutError(RpcErrorCode.timeout, `${method} on ${endpoint} got no reply within ${ms} ms`, {
    status: 504,
    // The callee may have done the work: only idempotent calls should be retried, and that is the caller's choice.
    retryable: false,
    data: { method, timeoutMs: ms, endpoint },
  });

export const deadlineExceeded = (method: string): RpcError =>
  new TimeoutError(RpcErrorCode.deadlineExceeded, `${method}: the caller's deadline passed before the call could run`, {
    status: 504,
    data: { method },
  });

export const overloaded = (method: string, waitedMs: number): RpcError =>
  new UnavailableError(
    RpcErrorCode.overloaded,
    `${method} waited ${waitedMs} ms in the server queue and was dropped; try another instance`,
    {
      status: 503,
      retryable: true,
      data: { method, waitedMs },
    },
  );

export const connectionFailed = (endpoint: string, cause: unknown): RpcError =>
  new UnavailableError(RpcErrorCode.connectionFailed, `could not connect to ${endpoint}`, {
    status: 503,
    retryable: true,
    data: { endpoint },
    cause,
  });

export const connectionClosed = (endpoint: string): RpcError =>
  new UnavailableError(RpcErrorCode.connectionClosed, `connection to ${endpoint} closed before the reply arrived`, {
    status: 503,
    // The request may have run; as with a timeout the caller decides.
    retryable: false,
    data: { endpoint },
  });

export const clientClosed = (): RpcError =>
  new UnavailableError(RpcErrorCode.clientClosed, 'the RPC client is closed; create a new one', { status: 503 });

export const invalidOption = (field: string, fix: string): RpcError =>
  new BadRequestError(RpcErrorCode.invalidOption, `${field}: ${fix}`, { status: 400, data: { field } });

export const unavailable = (method: string): UnavailableError =>
  new UnavailableError(RpcErrorCode.unavailable, `${method}: the server is stopping and did not run the call; try another instance`, {
    status: 503,
    // Refused before running: safe to send elsewhere even when not idempotent.
    retryable: true,
    data: { method },
  });

export const rateLimited = (method: string, qps: number): UnavailableError =>
  new UnavailableError(
    RpcErrorCode.rateLimited,
    `${method}: refused by this instance's rate limit of ${qps} requests/s; send it again later`,
    {
      status: 429,
      // Refused before running: safe to send again, after a pause.
      retryable: true,
      data: { method, qps },
    },
  );

export const circuitOpen = (service: string, method: string, retryInMs: number): UnavailableError =>
  new UnavailableError(
    RpcErrorCode.circuitOpen,
    `${service} ${method}: this caller's circuit breaker is open after too many failed or slow calls; the call was not sent (next probe in ${retryInMs} ms)`,
    { status: 503, retryable: true, data: { service, method, retryInMs } },
  );

/** Rebuilds a typed error from the fields of a reply head: a RemoteError, or a TimeoutError/UnavailableError for those codes. */
export function errorFromPayload(payload: ErrorPayload): RpcError {
  const Kind =
    payload.code === RpcErrorCode.deadlineExceeded
      ? TimeoutError
      : payload.code === RpcErrorCode.overloaded || payload.code === RpcErrorCode.unavailable || payload.code === RpcErrorCode.rateLimited
        ? UnavailableError
        : RemoteError;
  return new Kind(payload.code, payload.message, {
    status: payload.status,
    retryable: payload.retryable,
    ...(payload.data === undefined ? {} : { data: payload.data }),
  });
}
