import { createServer as createTcpServer, type Server as TcpServer, type Socket, type AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { toErrorPayload } from '@msec/contracts';
import { consoleLogger, emitCall, HeadCallEvent, type CallListener, type RpcLogger } from './call-events.js';
import { contextFromHead, type CallContext } from './call-context.js';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_STX } from './frame-codec.js';
import { decodeFromFrame, encodeForFrame } from './message-codec.js';
import { FrameSocket, type PartialFrameBudget } from './frame-socket.js';
import { errorHeadFields, isExpectedError } from './error-wire.js';
import { serveHttpJson } from './http-json.js';
import type { MethodDef } from './method.js';
import { HEAD_VERSION, type RpcHead } from './rpc-head.js';
import { enterTrace, type TraceSampler } from './trace-entry.js';
import type { Admission } from './governance/rate-limiter.js';
import {
  badRequest,
  deadlineExceeded,
  invalidOption,
  methodAlreadyRegistered,
  methodNotFound,
  overloaded,
  rateLimited,
  unavailable,
  type RpcError,
} from './rpc.errors.js';

/** Serves one method: gets the decoded request and the call context, returns the response. */
export type RpcHandler<Req, Res> = (request: Req, context: CallContext) => Promise<Res> | Res;

/** Options of an RpcServer; every field has a default. */
export interface RpcServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7963 (MSEC's port); 0 picks a free one. */
  port?: number;
  /** Handlers running at once before requests queue. Default 10 000. */
  maxConcurrent?: number;
  /** A request that waited longer than this in the queue is dropped as overload (MSEC: 800 ms). */
  overloadQueueMs?: number;
  /** Calls in flight on one connection before the server stops reading from it. Default 1 000. */
  maxInFlightPerConnection?: number;
  /** Largest frame accepted; a header announcing more closes the connection before anything is buffered. Default 4 MiB. */
  maxFrameBytes?: number;
  /** Bytes of incomplete frames held across all connections; the connection that goes over is closed. Default 32 MiB. */
  maxPartialFrameBytes?: number;
  /** Open connections (frames and HTTP together); further ones are closed at accept and counted. Default 4 096. */
  maxConnections?: number;
  /** A connection that has sent part of a frame and nothing more for this long is closed (slow loris). Default 10 s. */
  partialFrameTimeoutMs?: number;
  /** A connection with nothing in flight and nothing read for this long is closed. Default 5 min. */
  idleTimeoutMs?: number;
  /** Serve `POST /?methodName=pkg.Svc.Method` with JSON on the same port (MSEC's HTTP form). Default true. */
  httpJson?: boolean;
  /** Told about every finished call (monitoring, tracing), frames and HTTP+JSON alike. */
  onCall?: CallListener;
  /**
   * Decides whether a request that enters here (its head carries no decision: a client outside any service, a legacy
   * MSEC client, HTTP+JSON) is traced; coloured requests always are. Without it such requests are not traced.
   */
  sample?: TraceSampler;
  /** Where bad peers and handler bugs are reported. Default: the console. */
  logger?: RpcLogger;
  /** Rate limits: a request it refuses is answered at once with retryable RPC_RATE_LIMITED. Settable later as `admission`. */
  admission?: Admission;
}

/** A registered method with its handler, types erased. */
export interface Registration {
  def: MethodDef<unknown, unknown>;
  handler: RpcHandler<unknown, unknown>;
}

interface Conn {
  io: FrameSocket;
  inFlight: number;
  pausedForLoad: boolean;
  pausedForDrain: boolean;
}

interface Queued {
  head: RpcHead;
  /** The request body: a view of the buffer it was read into, which nothing overwrites. */
  body: Buffer;
  conn: Conn;
  receivedAt: number;
}

/** Serves registered methods over MSEC frames on TCP, and HTTP+JSON on the same port. */
export class RpcServer {
  private readonly options: Required<Omit<RpcServerOptions, 'onCall' | 'sample' | 'admission'>> & {
    onCall: CallListener | undefined;
    sample: TraceSampler | undefined;
  };
  private readonly methods = new Map<string, Registration>();
  private readonly connections = new Set<Conn>();
  private readonly sniffing = new Map<Socket, number>();
  private readonly rawSockets = new Set<Socket>();
  private readonly queue: Queued[] = [];
  private readonly tcp: TcpServer;
  private readonly http: HttpServer | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private active = 0;
  private draining = false;
  private stopping = false;
  private readonly partialBudget: PartialFrameBudget;
  /** Connections closed at accept because maxConnections were open. */
  droppedConnections = 0;
  private lastDropReportAt = -Infinity;
  private idleWaiters: Array<() => void> = [];
  private readonly replyHead: RpcHead = { sequence: 0, methodName: '', err: 0, version: HEAD_VERSION };
  /** Rate limits asked before each request is queued or run; undefined admits everything. */
  admission: Admission | undefined;

  constructor(options: RpcServerOptions = {}) {
    this.options = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 7963,
      maxConcurrent: options.maxConcurrent ?? 10_000,
      overloadQueueMs: options.overloadQueueMs ?? 800,
      maxInFlightPerConnection: options.maxInFlightPerConnection ?? 1_000,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      maxPartialFrameBytes: options.maxPartialFrameBytes ?? 32 * 1024 * 1024,
      maxConnections: options.maxConnections ?? 4_096,
      partialFrameTimeoutMs: options.partialFrameTimeoutMs ?? 10_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
      httpJson: options.httpJson ?? true,
      onCall: options.onCall,
      sample: options.sample,
      logger: options.logger ?? consoleLogger,
    };
    for (const key of ['maxConcurrent', 'maxInFlightPerConnection', 'maxConnections'] as const) {
      if (!Number.isInteger(this.options[key]) || this.options[key] < 1) throw invalidOption(key, 'must be an integer of at least 1');
    }
    for (const key of ['overloadQueueMs', 'partialFrameTimeoutMs', 'idleTimeoutMs', 'maxFrameBytes', 'maxPartialFrameBytes'] as const) {
      if (!(this.options[key] > 0)) throw invalidOption(key, 'must be a positive number');
    }
    this.admission = options.admission;
    const logger = this.options.logger;
    this.http = this.options.httpJson
      ? createHttpServer(
          { headersTimeout: this.options.partialFrameTimeoutMs, requestTimeout: this.options.partialFrameTimeoutMs },
          (req, res) =>
            serveHttpJson(this.methods, req, res, {
              sample: this.options.sample,
              onCall: this.options.onCall,
              onUnexpectedError: (error, method) => logger.error(`${method} failed unexpectedly`, { error }),
              refuse: (method) => this.refusal(method),
            }),
        )
      : undefined;
    this.partialBudget = { used: 0, max: this.options.maxPartialFrameBytes };
    this.tcp = createTcpServer((socket) => this.accept(socket));
    // Node closes connections over the cap before they reach accept(); they are counted and reported once a minute.
    this.tcp.maxConnections = this.options.maxConnections;
    this.tcp.on('drop', () => {
      this.droppedConnections++;
      const now = performance.now();
      if (now - this.lastDropReportAt < 60_000) return;
      this.lastDropReportAt = now;
      logger.warn('refused connections over maxConnections', {
        maxConnections: this.options.maxConnections,
        refusedSoFar: this.droppedConnections,
      });
    });
  }

  /** Registers a method; throws RPC_METHOD_ALREADY_REGISTERED if its name is taken. */
  handle<Req, Res>(def: MethodDef<Req, Res>, handler: RpcHandler<Req, Res>): this {
    if (this.methods.has(def.name)) throw methodAlreadyRegistered(def.name);
    this.methods.set(def.name, { def: def as MethodDef<unknown, unknown>, handler: handler as RpcHandler<unknown, unknown> });
    return this;
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(this.options.port, this.options.host, () => {
        this.tcp.off('error', reject);
        const every = Math.max(50, Math.min(1_000, this.options.partialFrameTimeoutMs / 2));
        this.sweeper = setInterval(() => this.sweep(), every);
        this.sweeper.unref();
        resolve(this.address);
      });
    });
  }

  /** Where the server listens. */
  get address(): { host: string; port: number } {
    const addr = this.tcp.address() as AddressInfo | null;
    return { host: this.options.host, port: addr?.port ?? this.options.port };
  }

  /** Calls running, calls queued, open frame connections. */
  get load(): { active: number; queued: number; connections: number } {
    return { active: this.active, queued: this.queue.length, connections: this.connections.size };
  }

  /**
   * Graceful stop: runs `deregister` (withdraw the live announcement so callers stop picking this instance),
   * stops accepting, answers new requests on open connections with retryable RPC_UNAVAILABLE, lets running
   * calls finish for up to `graceMs`, then closes every connection.
   */
  async close(options: { graceMs?: number; deregister?: () => Promise<void> | void } | number = {}): Promise<void> {
    const { graceMs = 2_000, deregister } = typeof options === 'number' ? { graceMs: options } : options;
    if (deregister !== undefined) {
      try {
        await deregister();
      } catch (error) {
        this.options.logger.warn('deregistering before stop failed; stopping anyway', { error });
      }
    }
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    if (this.active > 0 || this.queue.length > 0) {
      await Promise.race([new Promise<void>((resolve) => this.idleWaiters.push(resolve)), new Promise((r) => setTimeout(r, graceMs))]);
    }
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    // Let replies written in this tick leave the cork, then close politely; whatever lingers is cut.
    await new Promise((r) => setImmediate(r));
    for (const conn of this.connections) conn.io.end();
    if (this.rawSockets.size > 0) await new Promise((r) => setTimeout(r, 50));
    for (const socket of this.rawSockets) socket.destroy();
    this.http?.close();
    await closed;
  }

  private accept(socket: Socket): void {
    this.rawSockets.add(socket);
    this.sniffing.set(socket, performance.now());
    socket.once('close', () => {
      this.rawSockets.delete(socket);
      this.sniffing.delete(socket);
    });
    socket.on('error', () => undefined);
    // The first byte tells MSEC frames ('(') from HTTP.
    socket.once('data', (first: Buffer) => {
      this.sniffing.delete(socket);
      if (first[0] === FRAME_STX || this.http === undefined) {
        this.acceptFrames(socket, first);
      } else {
        socket.pause();
        socket.unshift(first);
        this.http.emit('connection', socket);
        socket.resume();
      }
    });
  }

  private acceptFrames(socket: Socket, first: Buffer): void {
    const conn: Conn = { io: undefined as unknown as FrameSocket, inFlight: 0, pausedForLoad: false, pausedForDrain: false };
    conn.io = new FrameSocket(
      socket,
      this.options.maxFrameBytes,
      {
        onFrame: (head, bytes, bodyStart, bodyEnd) => this.receive(head, bytes, bodyStart, bodyEnd, conn),
        onProtocolError: (error) =>
          this.options.logger.warn('closed a connection that broke the frame protocol', {
            remote: conn.io.remote,
            reason: toErrorPayload(error).message,
          }),
        onClose: () => this.connections.delete(conn),
      },
      this.partialBudget,
    );
    this.connections.add(conn);
    conn.io.feed(first);
  }

  private sweep(): void {
    const now = performance.now();
    for (const [socket, since] of this.sniffing) {
      if (now - since > this.options.partialFrameTimeoutMs) {
        this.options.logger.warn('closed a connection that sent nothing', {
          remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
        });
        socket.destroy();
      }
    }
    for (const conn of this.connections) {
      const io = conn.io;
      if (io.partialSince !== 0 && now - io.partialSince > this.options.partialFrameTimeoutMs && !conn.pausedForLoad) {
        this.options.logger.warn('closed a connection whose frame stalled half-sent', {
          remote: io.remote,
          timeoutMs: this.options.partialFrameTimeoutMs,
        });
        io.destroy();
      } else if (conn.inFlight === 0 && now - io.lastReadAt > this.options.idleTimeoutMs) {
        io.end();
      }
    }
  }

  private receive(head: RpcHead, bytes: Buffer, bodyStart: number, bodyEnd: number, conn: Conn): void {
    // Every frame of one read arrived at the same moment.
    const receivedAt = conn.io.lastReadEpochMs;
    enterTrace(head, this.options.sample);
    if (this.stopping) {
      this.replyError(conn, head, unavailable(head.methodName), receivedAt);
      return;
    }
    if (this.admission !== undefined && !this.admission.admit(head.methodName)) {
      this.replyError(conn, head, rateLimited(head.methodName, this.admission.limitOf(head.methodName)), receivedAt);
      return;
    }
    conn.inFlight++;
    if (!conn.pausedForLoad && conn.inFlight >= this.options.maxInFlightPerConnection) {
      conn.pausedForLoad = true;
      conn.io.pause();
    }
    // A peer that sends requests but does not read replies fills our write buffer: stop reading until it drains.
    if (!conn.pausedForDrain && conn.io.writeBlocked) {
      conn.pausedForDrain = true;
      conn.io.pause();
      conn.io.socket.once('drain', () => {
        conn.pausedForDrain = false;
        conn.io.resume();
      });
    }
    if (this.active < this.options.maxConcurrent) {
      this.run(head, bytes, bodyStart, bodyEnd, conn, receivedAt);
    } else {
      this.queue.push({ head, body: bytes.subarray(bodyStart, bodyEnd), conn, receivedAt });
    }
  }

  /** Runs a handler; one that returns a plain value is answered at once, without a promise. */
  private run(head: RpcHead, bytes: Buffer, bodyStart: number, bodyEnd: number, conn: Conn, receivedAt: number): void {
    this.active++;
    const reg = this.methods.get(head.methodName);
    let result: unknown;
    try {
      if (reg === undefined) throw methodNotFound(head.methodName);
      let request: unknown;
      try {
        request = decodeFromFrame(reg.def.request, bytes, bodyStart, bodyEnd);
      } catch (error) {
        throw badRequest(head.methodName, error);
      }
      result = reg.handler(request, contextFromHead(head, receivedAt, conn.io.remote));
    } catch (error) {
      this.replyError(conn, head, error, receivedAt);
      this.done(conn);
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (response) => this.reply(conn, head, reg!, response, receivedAt),
        (error: unknown) => {
          this.replyError(conn, head, error, receivedAt);
          this.done(conn);
        },
      );
    } else {
      this.reply(conn, head, reg!, result, receivedAt);
    }
  }

  private reply(conn: Conn, head: RpcHead, reg: Registration, response: unknown, receivedAt: number): void {
    try {
      const body = encodeForFrame(reg.def.response, response);
      // The head is encoded within sendFrame, so one object serves every reply.
      const out = this.replyHead;
      out.sequence = head.sequence;
      out.methodName = head.methodName;
      // MSEC clients match replies by sequence and expect their flow_id back unchanged.
      out.flowId = head.flowId;
      conn.io.sendFrame(out, body.bytes, body.length);
      this.finished(conn, head, receivedAt, undefined);
    } catch (error) {
      this.replyError(conn, head, error, receivedAt);
    }
    this.done(conn);
  }

  private done(conn: Conn): void {
    this.active--;
    this.release(conn);
    this.drain();
  }

  private release(conn: Conn): void {
    conn.inFlight--;
    if (conn.pausedForLoad && conn.inFlight <= this.options.maxInFlightPerConnection >>> 1) {
      conn.pausedForLoad = false;
      conn.io.resume();
    }
  }

  private drain(): void {
    // Handlers that answer at once finish inside run(), which calls back here: the outer loop does the work.
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.active < this.options.maxConcurrent && this.queue.length > 0) {
        const next = this.queue.shift()!;
        const now = Date.now();
        const waited = now - next.receivedAt;
        const head = next.head;
        if (waited > this.options.overloadQueueMs) {
          this.replyError(next.conn, head, overloaded(head.methodName, waited), next.receivedAt);
          this.release(next.conn);
        } else if (head.deadlineMs !== undefined && now > next.receivedAt + head.deadlineMs) {
          this.replyError(next.conn, head, deadlineExceeded(head.methodName), next.receivedAt);
          this.release(next.conn);
        } else {
          this.run(head, next.body, 0, next.body.length, next.conn, next.receivedAt);
        }
      }
    } finally {
      this.draining = false;
    }
    if (this.active === 0 && this.queue.length === 0 && this.idleWaiters.length > 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private refusal(method: string): RpcError | undefined {
    const admission = this.admission;
    if (admission === undefined || admission.admit(method)) return undefined;
    return rateLimited(method, admission.limitOf(method));
  }

  private replyError(conn: Conn, request: RpcHead, error: unknown, receivedAt: number): void {
    if (!isExpectedError(error)) this.options.logger.error(`${request.methodName} failed unexpectedly`, { error });
    const fields = errorHeadFields(error);
    conn.io.sendFrame({ ...replyHead(request), ...fields }, EMPTY_BODY);
    this.finished(conn, request, receivedAt, fields.errCode);
  }

  private finished(conn: Conn, head: RpcHead, receivedAt: number, code: string | undefined): void {
    if (this.options.onCall === undefined) return;
    emitCall(this.options.onCall, new HeadCallEvent('server', head, conn.io.remote, code, Date.now() - receivedAt));
  }
}

const EMPTY_BODY = new Uint8Array(0);

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function replyHead(request: RpcHead): RpcHead {
  return { sequence: request.sequence, methodName: request.methodName, flowId: request.flowId, err: 0, version: HEAD_VERSION };
}
