/** The wire shape every error takes when it crosses NATS, RPC or REST. */
export interface ErrorPayload {
  code: string;
  message: string;
  status: number;
  retryable: boolean;
  data?: Record<string, unknown>;
}

/** Options for building an MsecError beyond its code and message. */
export interface MsecErrorOptions {
  status?: number;
  retryable?: boolean;
  data?: Record<string, unknown>;
  cause?: unknown;
}

/** Base of every error MSEC-TS raises on purpose: a stable code, an HTTP-like status, and whether a retry may help. */
export class MsecError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: MsecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MsecError';
    this.code = code;
    this.status = options.status ?? 500;
    this.retryable = options.retryable ?? false;
    this.data = options.data;
  }

  /** The wire form of this error. */
  toPayload(): ErrorPayload {
    const payload: ErrorPayload = { code: this.code, message: this.message, status: this.status, retryable: this.retryable };
    if (this.data !== undefined) payload.data = this.data;
    return payload;
  }

  /** Rebuilds a typed error from its wire form. */
  static fromPayload(payload: ErrorPayload): MsecError {
    return new MsecError(payload.code, payload.message, {
      status: payload.status,
      retryable: payload.retryable,
      ...(payload.data === undefined ? {} : { data: payload.data }),
    });
  }
}

/** True when a value has the wire shape of an error payload. */
export function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.status === 'number';
}

/** Turns anything thrown into a payload; unknown errors become INTERNAL with a generic message. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof MsecError) return error.toPayload();
  if (isErrorPayload(error)) return error;
  return { code: 'INTERNAL', message: 'internal error', status: 500, retryable: false };
}

/** Errors about a single bad input field: names the field and says how to fix it. */
export class ValidationError extends MsecError {
  constructor(field: string, message: string, data: Record<string, unknown> = {}) {
    super('VALIDATION_FAILED', `${field}: ${message}`, { status: 400, data: { field, ...data } });
    this.name = 'ValidationError';
  }
}
