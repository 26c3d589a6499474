import type { CallContext } from './call-context.js';
import { recordCallStats, type CallListener, type CallStatsSink } from './call-events.js';
import { nextId } from './ids.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec.js';
import { encodeForFrame } from './message-codec.js';
import type { MethodDef } from './method.js';
import { DeadlineWheel } from './deadline-wheel.js';
import { PendingCall, RpcConnection, type Endpoint } from './rpc-connection.js';
import { HEAD_VERSION, type OutgoingHead } from './rpc-head.js';
import { clientClosed, deadlineExceeded, invalidOption, type RpcError } from './rpc.errors.js';

/** Options of an RpcClient; every field has a default. */
export interface RpcClientOptions {
  /** This service's name, sent as `caller` (50). */
  caller?: string;
  /** Per-call timeout when a call names none (MSEC: 1000 ms). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** TCP connections kept per endpoint; calls are multiplexed over them. Default 1. */
  connectionsPerEndpoint?: number;
  maxFrameBytes?: number;
  /** Told about every finished call (monitoring, tracing). */
  onCall?: CallListener;
}

/** Per-call options. */
export interface CallOptions {
  timeoutMs?: number;
  /** The call being served: its flow id, colouring and call path are carried on, and its deadline caps this call's. */
  parent?: CallContext;
  flowId?: number;
  coloring?: number;
  colorId?: number;
  /** Trace to join when there is no parent; a new one is started otherwise. */
  traceId?: string;
  /**
   * Whether the request is traced, when there is no parent (whose decision is carried on). Left out, the module
   * the call reaches decides, as the entry of the request.
   */
  traced?: boolean;
  /** Told once when the call ends (a routed call: after its last attempt), for caller-side statistics. */
  stats?: CallStatsSink;
  /** The name the call is counted under in `stats`: the service name the caller used (default: the endpoint). */
  callee?: string;
}

let nextFlowId = Math.floor(Math.random() * 0x7fff_ffff) * 0x1_0000;

const NO_OPTIONS: CallOptions = Object.freeze({});

/** Calls methods on servers by endpoint, over pooled multiplexed TCP connections. Picking the endpoint is nlb's job. */
export class RpcClient {
  private readonly options: Required<Omit<RpcClientOptions, 'caller' | 'onCall'>> & {
    caller: string | undefined;
    onCall: CallListener | undefined;
  };
  private readonly pools = new Map<string, Map<number, Pool>>();
  /** Every call's timeout, on one timer. */
  private readonly wheel = new DeadlineWheel<PendingCall>((call) => call.connection!.expire(call));
  private sequence = 0;
  private closed = false;

  constructor(options: RpcClientOptions = {}) {
    this.options = {
      caller: options.caller,
      onCall: options.onCall,
      timeoutMs: options.timeoutMs ?? 1_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 1_000,
      connectionsPerEndpoint: options.connectionsPerEndpoint ?? 1,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    };
    if (!(this.options.timeoutMs > 0)) throw invalidOption('timeoutMs', 'must be a positive number of ms');
    if (!Number.isInteger(this.options.connectionsPerEndpoint) || this.options.connectionsPerEndpoint < 1) {
      throw invalidOption('connectionsPerEndpoint', 'must be an integer of at least 1');
    }
  }

  /** Calls `method` on `endpoint`; rejects with an RpcError (or the callee's typed error, rebuilt). */
  call<Req, Res>(endpoint: Endpoint, method: MethodDef<Req, Res>, request: Req, options: CallOptions = NO_OPTIONS): Promise<Res> {
    if (this.closed) return this.refuse(clientClosed(), endpoint, method, options);
    const parent = options.parent;
    let timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const remaining = parent?.remainingMs();
    if (remaining !== undefined) {
      if (remaining <= 0) return this.refuse(deadlineExceeded(method.name), endpoint, method, options);
      timeoutMs = Math.min(timeoutMs, remaining);
    }
    this.sequence = this.sequence >= Number.MAX_SAFE_INTEGER ? 1 : this.sequence + 1;
    const coloring = options.coloring ?? parent?.coloring;
    const traceId = options.traceId ?? parent?.traceId;
    const traced = options.traced ?? parent?.traced;
    // One literal with every field, so every head has the same shape; absent fields are not written. Ids made
    // here go as numbers: their text is built only if a listener asks for it.
    const head: OutgoingHead = {
      sequence: this.sequence,
      methodName: method.name,
      coloring: coloring ? coloring : undefined,
      colorId: options.colorId ?? parent?.colorId,
      flowId: options.flowId ?? parent?.flowId ?? (nextFlowId = nextFlowId >= Number.MAX_SAFE_INTEGER ? 1 : nextFlowId + 1),
      caller: this.options.caller,
      callerStack:
        parent === undefined ? undefined : parent.callerStack === undefined ? parent.method : `${parent.callerStack}->${parent.method}`,
      deadlineMs: Math.ceil(timeoutMs),
      traceId,
      traceNo: traceId === undefined ? nextId() : undefined,
      spanId: undefined,
      spanNo: nextId(),
      parentSpanId: parent?.spanId,
      traced: traced === undefined ? undefined : traced ? 1 : 0,
      version: HEAD_VERSION,
    };

    const conn = this.connection(endpoint);
    const listener = this.options.onCall;
    return new Promise<Res>((resolve, reject) => {
      const call = new PendingCall(
        head,
        method as MethodDef<unknown, unknown>,
        timeoutMs,
        listener,
        resolve as (r: unknown) => void,
        reject,
        options.stats,
        options.callee,
      );
      try {
        const body = encodeForFrame(method.request, request);
        conn.request(call, body.bytes, body.length);
      } catch (error) {
        // A request that does not encode (or a head that does not) fails this call alone.
        call.fail(error, conn.endpoint);
      }
    });
  }

  /** A call refused before anything was sent still counts in the caller's statistics. */
  private refuse<Res>(error: RpcError, endpoint: Endpoint, method: MethodDef<unknown, Res>, options: CallOptions): Promise<Res> {
    if (options.stats !== undefined)
      recordCallStats(
        options.stats,
        options.callee ?? `${endpoint.host}:${endpoint.port}`,
        method as MethodDef<unknown, unknown>,
        error.code,
        0,
      );
    return Promise.reject(error);
  }

  /** Replaces the listener told about every finished call (undefined: none, and no event is built). */
  setCallListener(listener: CallListener | undefined): void {
    this.options.onCall = listener;
  }

  /** Closes every connection; calls in flight fail with RPC_CONNECTION_CLOSED. */
  close(): void {
    this.closed = true;
    for (const byPort of this.pools.values()) for (const pool of byPort.values()) for (const conn of pool.slots) conn?.close();
    this.pools.clear();
    this.wheel.stop();
  }

  private connection(endpoint: Endpoint): RpcConnection {
    // Nested maps, not a "host:port" key: no string is built per call.
    let byPort = this.pools.get(endpoint.host);
    if (byPort === undefined) {
      byPort = new Map();
      this.pools.set(endpoint.host, byPort);
    }
    let pool = byPort.get(endpoint.port);
    if (pool === undefined) {
      pool = { slots: new Array<RpcConnection | undefined>(this.options.connectionsPerEndpoint).fill(undefined), cursor: 0 };
      byPort.set(endpoint.port, pool);
    }
    const slots = pool.slots;
    const slot = (pool.cursor = (pool.cursor + 1) % slots.length);
    let conn = slots[slot];
    if (conn === undefined || !conn.usable) {
      conn = new RpcConnection(endpoint, this.options.maxFrameBytes, this.options.connectTimeoutMs, this.wheel, (dead) => {
        if (slots[slot] === dead) slots[slot] = undefined;
      });
      slots[slot] = conn;
    }
    return conn;
  }
}

interface Pool {
  slots: Array<RpcConnection | undefined>;
  cursor: number;
}
