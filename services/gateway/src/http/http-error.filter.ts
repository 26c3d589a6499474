import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MsecError, isErrorPayload } from '@msec/contracts';
import { isDuplicateKeyError } from '@msec/persistence';
import { MsecRpcErrorFilter } from '@msec/platform';
import { ensureRequestId } from './request-context.js';

/** The one shape of every REST error body. */
export interface ApiErrorBody {
  error: { code: string; message: string; field?: string; requestId?: string };
}

const HTTP_CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'GATEWAY_UNAUTHENTICATED',
  403: 'GATEWAY_FORBIDDEN',
  404: 'GATEWAY_NOT_FOUND',
  405: 'GATEWAY_METHOD_NOT_ALLOWED',
  413: 'GATEWAY_BODY_TOO_LARGE',
  415: 'GATEWAY_UNSUPPORTED_MEDIA_TYPE',
};

/** Turns anything thrown into `{error:{code,message,field?}}` with the right HTTP status; over NATS it defers to MsecRpcErrorFilter. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');
  private readonly rpc = new MsecRpcErrorFilter();

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return this.rpc.catch(exception);
    const http = host.switchToHttp();
    const req = http.getRequest<Request & { id?: string }>();
    const res = http.getResponse<Response>();
    const requestId = ensureRequestId(req, res);
    const { status, error, retryAfter } = this.describe(exception, req);
    res.locals.errorCode = error.code;
    if (res.headersSent) {
      res.end();
      return undefined;
    }
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    res.status(status).json({ error: { ...error, requestId } } satisfies ApiErrorBody);
    return undefined;
  }

  private describe(exception: unknown, req: Request): { status: number; error: ApiErrorBody['error']; retryAfter?: number } {
    const err = exception instanceof MsecError ? exception : isErrorPayload(exception) ? MsecError.fromPayload(exception) : undefined;
    if (err) {
      const field = typeof err.data?.field === 'string' ? err.data.field : undefined;
      const retry = typeof err.data?.retryAfterSeconds === 'number' ? err.data.retryAfterSeconds : undefined;
      if (err.status >= 500) this.logger.warn(`${req.method} ${req.path}: ${err.code}: ${err.message}`);
      return {
        status: err.status,
        error: { code: err.code, message: err.message, ...(field ? { field } : {}) },
        ...(retry !== undefined ? { retryAfter: retry } : {}),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = HTTP_CODES[status] ?? `HTTP_${status}`;
      if (status === 404) return { status, error: { code, message: `no route ${req.method} ${req.path}` } };
      // Express's JSON parser fails before any schema runs: the whole body is the bad field.
      if (status === 400 && /JSON/.test(exception.message))
        return { status, error: { code, message: `body: not valid JSON (${exception.message})`, field: 'body' } };
      return { status, error: { code, message: exception.message } };
    }
    const duplicate = duplicateKeyOf(exception);
    if (duplicate !== undefined)
      return {
        status: 409,
        error: {
          code: 'GATEWAY_CONFLICT',
          message: `${duplicate} already exists (another request created it at the same moment); list it, or pick another value`,
        },
      };
    // Body parser errors from Express carry a status and a type.
    const parser = exception as { status?: number; type?: string; message?: string };
    if (typeof parser?.status === 'number' && typeof parser.type === 'string' && parser.status < 500) {
      const message = parser.type === 'entity.parse.failed' ? 'body: not valid JSON' : (parser.message ?? 'bad request');
      return {
        status: parser.status,
        error: { code: HTTP_CODES[parser.status] ?? `HTTP_${parser.status}`, message, ...(parser.status === 400 ? { field: 'body' } : {}) },
      };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: 500, error: { code: 'INTERNAL', message: 'internal error; see the gateway log for this request id' } };
  }
}

/**
 * The column of a unique-key violation the database reported, or undefined for any other error. A check-then-insert
 * races with a concurrent request for the same name; the loser is a conflict, not a crash.
 */
function duplicateKeyOf(exception: unknown): string | undefined {
  if (!isDuplicateKeyError(exception)) return undefined;
  const message = String((exception as { driverError?: { message?: unknown } }).driverError?.message ?? '');
  return /UNIQUE constraint failed: \w+\.(\w+)/.exec(message)?.[1] ?? 'the record';
}
