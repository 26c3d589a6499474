import { Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { MsecError, isErrorPayload, toErrorPayload, type ErrorPayload } from '@msec/contracts';

/** Sends every error back over NATS as {code, message, status, retryable, data}; unknown errors become INTERNAL and are logged. */
@Catch()
export class MsecRpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('MsecRpcErrorFilter');

  catch(exception: unknown): Observable<ErrorPayload> {
    if (!(exception instanceof MsecError) && !isErrorPayload(exception)) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    return throwError(() => toErrorPayload(exception));
  }
}
