import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Codes of requests Node's HTTP parser refuses before any route or filter sees them. */
export const ClientErrorCode = {
  headersTooLarge: 'GATEWAY_HEADERS_TOO_LARGE',
  requestTimeout: 'GATEWAY_REQUEST_TIMEOUT',
  badRequest: 'GATEWAY_BAD_REQUEST',
} as const;

function describe(error: NodeJS.ErrnoException): { status: number; reason: string; code: string; message: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      reason: 'Request Header Fields Too Large',
      code: ClientErrorCode.headersTooLarge,
      message: 'the request line and headers are over 16 KiB; send long values in a JSON body, or fewer cookies',
    };
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, reason: 'Request Timeout', code: ClientErrorCode.requestTimeout, message: 'the request was not sent in time' };
  return { status: 400, reason: 'Bad Request', code: ClientErrorCode.badRequest, message: 'not a well-formed HTTP/1.1 request' };
}

/**
 * Answers what Node's HTTP parser refuses (headers over its limit, malformed requests) with the gateway's JSON error
 * shape instead of Node's bare status line, so every 4xx a client sees carries a code.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // a peer that went away, or a response whose head is already out (as Node itself checks), cannot be answered
    const pending = (socket as { _httpMessage?: { _headerSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || pending?._headerSent) {
      socket.destroy();
      return;
    }
    const { status, reason, code, message } = describe(error);
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
