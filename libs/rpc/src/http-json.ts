import type { IncomingMessage, ServerResponse } from 'node:http';
import { toErrorPayload } from '@msec/contracts';
import { contextFromHead } from './call-context.js';
import { emitCall, HeadCallEvent, type CallListener } from './call-events.js';
import { errorHeadFields, isExpectedError } from './error-wire.js';
import type { Registration } from './rpc-server.js';
import type { RpcHead } from './rpc-head.js';
import { badRequest, methodNotFound, RpcError, RpcErrorCode } from './rpc.errors.js';
import { enterTrace, type TraceSampler } from './trace-entry.js';

/** What the server gives the HTTP+JSON form: the same sampling and call listener as frames, and where bugs go. */
export interface HttpJsonHooks {
  sample: TraceSampler | undefined;
  onCall: CallListener | undefined;
  onUnexpectedError: (error: unknown, method: string) => void;
  /** The rate-limit refusal for a request of `method`, or undefined to run it. */
  refuse: (method: string) => RpcError | undefined;
}

const MAX_HTTP_BODY = 4 * 1024 * 1024;

function reply(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  // MSEC's HTTP form always answers 200 and reports failure in `ret`; its clients read the body, not the status.
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_HTTP_BODY) {
        reject(new RpcError(RpcErrorCode.frameTooLarge, `HTTP body over ${MAX_HTTP_BODY} bytes; send less`, { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Serves MSEC's HTTP+JSON form: `POST /?methodName=pkg.Svc.Method` → `{"ret":0,"errmsg":"","resultObj":{…},"traceId":"…"}`;
 * `traceId` is the trace the request got here, for finding its logs and spans.
 */
export async function serveHttpJson(
  methods: ReadonlyMap<string, Registration>,
  req: IncomingMessage,
  res: ServerResponse,
  hooks: HttpJsonHooks,
): Promise<void> {
  const receivedAt = Date.now();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const methodName = url.searchParams.get('methodName') ?? '';
  const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
  // An HTTP request enters here: it gets a trace, and the sampler's decision, as a frame without them does.
  const head: RpcHead = { sequence: 0, methodName };
  enterTrace(head, hooks.sample);
  try {
    if (req.method !== 'POST') {
      throw new RpcError(RpcErrorCode.badRequest, `HTTP ${req.method ?? '?'}: use POST /?methodName=pkg.Service.Method with a JSON body`, {
        status: 405,
        data: { field: 'method' },
      });
    }
    const reg = methods.get(methodName);
    if (reg === undefined) throw methodNotFound(methodName);
    const refusal = hooks.refuse(methodName);
    if (refusal !== undefined) throw refusal;
    const text = await readBody(req);
    let request: unknown;
    try {
      request = reg.def.request.fromJson(text.length === 0 ? {} : JSON.parse(text));
    } catch (error) {
      throw badRequest(methodName, error);
    }
    const response = await reg.handler(request, contextFromHead(head, receivedAt, remote));
    reply(res, { ret: 0, errmsg: '', resultObj: reg.def.response.toJson(response), traceId: head.traceId });
    emitCall(hooks.onCall, new HeadCallEvent('server', head, remote, undefined, Date.now() - receivedAt));
  } catch (error) {
    if (!isExpectedError(error)) hooks.onUnexpectedError(error, methodName);
    const fields = errorHeadFields(error);
    reply(res, { ret: fields.err, errmsg: fields.errMsg, error: toErrorPayload(error), traceId: head.traceId });
    emitCall(hooks.onCall, new HeadCallEvent('server', head, remote, fields.errCode ?? 'INTERNAL', Date.now() - receivedAt));
  }
}
