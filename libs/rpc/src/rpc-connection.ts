import { connect as tcpConnect } from 'node:net';
import type { CallListener, CallStatsSink } from './call-events.js';
import { emitCall, HeadCallEvent, recordCallStats } from './call-events.js';
import type { DeadlineWheel, Expirable } from './deadline-wheel.js';
import { errorFromHead, headIsError } from './error-wire.js';
import { encodeFrame } from './frame-codec.js';
import { FrameSocket } from './frame-socket.js';
import { decodeFromFrame } from './message-codec.js';
import type { MethodDef } from './method.js';
import type { OutgoingHead, RpcHead } from './rpc-head.js';
import { badResponse, connectionClosed, connectionFailed, timeout, type RpcError } from './rpc.errors.js';

/** Slots of a connection's ring of calls in flight (a power of two). */
const RING_SIZE = 1024;
const RING_MASK = RING_SIZE - 1;

/** Where a server listens. */
export interface Endpoint {
  host: string;
  port: number;
}

/** One call waiting for its reply: how to finish it, and its place on the client's deadline wheel. */
export class PendingCall implements Expirable {
  expiresAt = 0;
  wheelSlot = -1;
  wheelIndex = 0;
  /** Set when the call is handed to a connection. */
  connection: RpcConnection | undefined = undefined;

  constructor(
    readonly head: OutgoingHead,
    readonly method: MethodDef<unknown, unknown>,
    readonly timeoutMs: number,
    /** Told when the call finishes; undefined when nobody listens. */
    readonly listener: CallListener | undefined,
    private readonly resolve: (response: unknown) => void,
    private readonly reject: (error: unknown) => void,
    /** Counts the call when it finishes; undefined when nobody counts. */
    private readonly stats: CallStatsSink | undefined = undefined,
    /** The name the call is counted under (the endpoint's ip:port when undefined). */
    private readonly callee: string | undefined = undefined,
  ) {}

  /** The reply arrived: resolves with the decoded body, or rejects with the error the head carries. */
  replied(head: RpcHead, bytes: Buffer, bodyStart: number, bodyEnd: number, peer: string): void {
    if (headIsError(head)) {
      this.fail(errorFromHead(head), peer);
      return;
    }
    let response: unknown;
    try {
      response = decodeFromFrame(this.method.response, bytes, bodyStart, bodyEnd);
    } catch (error) {
      this.fail(badResponse(this.method.name, error), peer);
      return;
    }
    if (this.listener !== undefined || this.stats !== undefined) this.finished(peer, undefined);
    this.resolve(response);
  }

  /** Rejects the call and tells the listener and the statistics. */
  fail(error: unknown, peer: string): void {
    if (this.listener !== undefined || this.stats !== undefined) this.finished(peer, (error as { code?: string }).code ?? 'INTERNAL');
    this.reject(error);
  }

  private finished(peer: string, code: string | undefined): void {
    // The deadline wheel read the clock when the call was sent (expiresAt = then + timeoutMs): no second read at the
    // start of every call. A call that failed before it was sent took no time.
    const latencyMs = this.expiresAt === 0 ? 0 : performance.now() - (this.expiresAt - this.timeoutMs);
    if (this.stats !== undefined) recordCallStats(this.stats, this.callee ?? peer, this.method, code, latencyMs);
    if (this.listener !== undefined) emitCall(this.listener, new HeadCallEvent('client', this.head, peer, code, latencyMs));
  }
}

/** One multiplexed client connection: many calls in flight, replies matched by sequence. */
export class RpcConnection {
  readonly endpoint: string;
  /**
   * Calls in flight by sequence: slot `sequence & RING_MASK` of a ring, or the overflow map when that slot is
   * taken (a call outliving RING_SIZE later ones, or sequences of the client's other connections colliding).
   */
  private readonly ring = new Array<PendingCall | undefined>(RING_SIZE).fill(undefined);
  private readonly overflow = new Map<number, PendingCall>();
  private pendingCount = 0;
  private readonly wheel: DeadlineWheel<PendingCall>;
  /** Frames of calls made before the socket connected. */
  private queued: Buffer[] = [];
  private conn: FrameSocket | undefined;
  private dead = false;

  constructor(
    endpoint: Endpoint,
    maxFrameBytes: number,
    connectTimeoutMs: number,
    wheel: DeadlineWheel<PendingCall>,
    onClose: (c: RpcConnection) => void,
  ) {
    this.endpoint = `${endpoint.host}:${endpoint.port}`;
    this.wheel = wheel;
    const socket = tcpConnect({ host: endpoint.host, port: endpoint.port });
    // The check waits one turn of the event loop (setImmediate runs after pending I/O): on a busy host the loop can
    // stall past the timeout while the connection is already made, and its 'connect' event must win.
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (socket.connecting) socket.destroy(new Error(`connect timed out after ${connectTimeoutMs} ms`));
        }),
      connectTimeoutMs,
    );
    const onError = (error: Error): void => {
      clearTimeout(timer);
      this.dead = true;
      this.queued = [];
      onClose(this);
      const failure = connectionFailed(this.endpoint, error);
      this.failAll(() => failure);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      const conn = new FrameSocket(socket, maxFrameBytes, {
        onFrame: (head, bytes, bodyStart, bodyEnd) => this.receive(head, bytes, bodyStart, bodyEnd),
        onProtocolError: () => undefined,
        onClose: () => {
          this.dead = true;
          onClose(this);
          this.failAll(() => connectionClosed(this.endpoint));
        },
      });
      this.conn = conn;
      for (const frame of this.queued) conn.send(frame);
      this.queued = [];
    });
  }

  /** False once the connection failed or closed; the pool then opens a new one. */
  get usable(): boolean {
    return !this.dead;
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.pendingCount;
  }

  /** Sends a call's request frame (bytes [0, bodyLength) of `body`); the call settles on its reply, its timeout, or the connection's loss. */
  request(call: PendingCall, body: Uint8Array, bodyLength: number): void {
    const head = call.head;
    if (this.conn !== undefined) this.conn.sendFrame(head, body, bodyLength);
    else this.queued.push(encodeFrame(head, body.subarray(0, bodyLength)));
    call.connection = this;
    const slot = head.sequence & RING_MASK;
    if (this.ring[slot] === undefined) this.ring[slot] = call;
    else this.overflow.set(head.sequence, call);
    this.pendingCount++;
    this.wheel.add(call, call.timeoutMs);
  }

  /** The wheel's verdict: no reply in time. */
  expire(call: PendingCall): void {
    // A reply after its timeout finds nothing: the caller has already been told.
    if (this.take(call.head.sequence, call) === undefined) return;
    call.fail(timeout(call.head.methodName, call.timeoutMs, this.endpoint), this.endpoint);
  }

  /** Closes the connection; calls in flight fail with RPC_CONNECTION_CLOSED. */
  close(): void {
    this.dead = true;
    this.conn?.destroy();
    this.failAll(() => connectionClosed(this.endpoint));
  }

  private receive(head: RpcHead, bytes: Buffer, bodyStart: number, bodyEnd: number): void {
    const call = this.take(head.sequence);
    if (call === undefined) return;
    this.wheel.remove(call);
    call.replied(head, bytes, bodyStart, bodyEnd, this.endpoint);
  }

  /** Removes and returns the call waiting for `sequence` (only if it is `expected`, when given), if any. */
  private take(sequence: number, expected?: PendingCall): PendingCall | undefined {
    const slot = sequence & RING_MASK;
    const call = this.ring[slot];
    if (call !== undefined && call.head.sequence === sequence) {
      if (expected !== undefined && call !== expected) return undefined;
      this.ring[slot] = undefined;
      this.pendingCount--;
      return call;
    }
    const other = this.overflow.get(sequence);
    if (other !== undefined && (expected === undefined || other === expected)) {
      this.overflow.delete(sequence);
      this.pendingCount--;
      return other;
    }
    return undefined;
  }

  private failAll(error: () => RpcError): void {
    const calls: PendingCall[] = [...this.overflow.values()];
    this.overflow.clear();
    for (let i = 0; i < RING_SIZE; i++) {
      const call = this.ring[i];
      if (call !== undefined) {
        calls.push(call);
        this.ring[i] = undefined;
      }
    }
    calls.sort((a, b) => a.head.sequence - b.head.sequence);
    this.pendingCount = 0;
    for (const call of calls) {
      this.wheel.remove(call);
      call.fail(error(), this.endpoint);
    }
  }
}
