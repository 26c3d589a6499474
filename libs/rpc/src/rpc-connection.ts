import { connect as tcpConnect } from 'node:net';
import { encodeFrame, type Frame } from './frame-codec.js';
import { FrameSocket } from './frame-socket.js';
import { errorFromHead, headIsError } from './error-wire.js';
import type { RpcHead } from './rpc-head.js';
import { connectionClosed, connectionFailed, timeout, type RpcError } from './rpc.errors.js';

/** Where a server listens. */
export interface Endpoint {
  host: string;
  port: number;
}

interface Pending {
  resolve(body: Buffer): void;
  reject(error: RpcError): void;
  timer: NodeJS.Timeout;
}

/** One multiplexed client connection: many calls in flight, replies matched by sequence. */
export class RpcConnection {
  readonly endpoint: string;
  private readonly pending = new Map<number, Pending>();
  private readonly ready: Promise<FrameSocket>;
  private conn: FrameSocket | undefined;
  private dead = false;

  constructor(endpoint: Endpoint, maxFrameBytes: number, connectTimeoutMs: number, onClose: (c: RpcConnection) => void) {
    this.endpoint = `${endpoint.host}:${endpoint.port}`;
    this.ready = new Promise<FrameSocket>((resolve, reject) => {
      const socket = tcpConnect({ host: endpoint.host, port: endpoint.port });
      const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        this.dead = true;
        onClose(this);
        reject(connectionFailed(this.endpoint, error));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        this.conn = new FrameSocket(socket, maxFrameBytes, {
          onFrame: (frame) => this.receive(frame),
          onProtocolError: () => undefined,
          onClose: () => {
            this.dead = true;
            onClose(this);
            this.failAll();
          },
        });
        resolve(this.conn);
      });
    });
    // A failed connect is reported to each call; nobody else awaits this promise.
    this.ready.catch(() => undefined);
  }

  /** False once the connection failed or closed; the pool then opens a new one. */
  get usable(): boolean {
    return !this.dead;
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends a request frame and resolves with the reply body, or rejects with a typed error. */
  request(head: RpcHead, body: Uint8Array, timeoutMs: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(head.sequence);
        reject(timeout(head.methodName, timeoutMs, this.endpoint));
      }, timeoutMs);
      this.pending.set(head.sequence, { resolve, reject, timer });
      const frame = encodeFrame(head, body);
      if (this.conn !== undefined) {
        this.conn.send(frame);
      } else {
        this.ready.then(
          (conn) => conn.send(frame),
          (error: RpcError) => this.settle(head.sequence, (p) => p.reject(error)),
        );
      }
    });
  }

  /** Closes the connection; calls in flight fail with RPC_CONNECTION_CLOSED. */
  close(): void {
    this.dead = true;
    this.conn?.destroy();
    this.failAll();
  }

  private receive(frame: Frame): void {
    const head = frame.head;
    this.settle(head.sequence, (p) => (headIsError(head) ? p.reject(errorFromHead(head)) : p.resolve(frame.body)));
  }

  private settle(sequence: number, action: (p: Pending) => void): void {
    const p = this.pending.get(sequence);
    // A reply after its timeout finds nothing: the caller has already been told.
    if (p === undefined) return;
    this.pending.delete(sequence);
    clearTimeout(p.timer);
    action(p);
  }

  private failAll(): void {
    for (const [sequence] of this.pending) this.settle(sequence, (p) => p.reject(connectionClosed(this.endpoint)));
  }
}
