import type { Socket } from 'node:net';
import { FrameDecoder, frameSizeBound, writeFrame } from './frame-codec.js';
import type { RpcHead } from './rpc-head.js';
import { partialBytesExceeded } from './rpc.errors.js';

/** What a FrameSocket reports to its owner. */
export interface FrameSocketHandlers {
  /** A frame arrived: its head, and its body as bytes [bodyStart, bodyEnd) of `bytes` (valid during the call only). */
  onFrame(head: RpcHead, bytes: Buffer, bodyStart: number, bodyEnd: number): void;
  /** The stream broke the protocol; the socket has already been destroyed. */
  onProtocolError(error: unknown): void;
  onClose(): void;
}

/**
 * Bytes of incomplete frames held by every connection of one server together. A connection whose read takes
 * the total over `max` is closed: many peers each sending most of a large frame cannot exhaust memory.
 */
export interface PartialFrameBudget {
  used: number;
  readonly max: number;
}

/** Frames are written into slabs of this size; a frame that does not fit gets a slab of its own size. */
const SLAB_BYTES = 64 * 1024;

/**
 * The transport half: moves frames over one TCP socket. Frames sent in the same tick are encoded back to back
 * into one buffer and leave in one write, which is what lets a pipelined connection carry tens of thousands of
 * calls a second. Reading can be paused for backpressure; the owner sees when a partial frame has been pending
 * (slow-loris).
 */
export class FrameSocket {
  readonly socket: Socket;
  readonly remote: string;
  /** performance.now() of the last bytes read. */
  lastReadAt = performance.now();
  /** Date.now() of the last bytes read: when the frames they complete were received. */
  lastReadEpochMs = Date.now();
  /** performance.now() since which a frame has been incomplete, or 0. */
  partialSince = 0;
  private readonly decoder: FrameDecoder;
  private readonly onData: (chunk: Buffer) => void;
  private readonly flushNow = (): void => this.flush();
  /** Frames waiting for the end of the tick sit in out[outStart, outEnd); bytes before outStart belong to writes. */
  private out: Buffer = Buffer.allocUnsafeSlow(0);
  private outStart = 0;
  private outEnd = 0;
  private flushScheduled = false;
  private closed = false;
  private pauses = 0;

  /** Bytes of a partial frame this socket holds, as counted in the budget. */
  private held = 0;

  constructor(socket: Socket, maxFrameBytes: number, handlers: FrameSocketHandlers, budget?: PartialFrameBudget) {
    this.socket = socket;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.setNoDelay(true);
    this.onData = (chunk: Buffer): void => {
      const now = performance.now();
      this.lastReadAt = now;
      this.lastReadEpochMs = Date.now();
      const decoder = this.decoder;
      let n: number;
      try {
        n = decoder.decode(chunk);
      } catch (error) {
        socket.destroy();
        handlers.onProtocolError(error);
        return;
      }
      if (budget !== undefined) {
        budget.used += decoder.bufferedBytes - this.held;
        this.held = decoder.bufferedBytes;
        if (budget.used > budget.max && this.held > 0) {
          socket.destroy();
          handlers.onProtocolError(partialBytesExceeded(budget.max));
          return;
        }
      }
      if (decoder.bufferedBytes === 0) this.partialSince = 0;
      else if (n > 0 || this.partialSince === 0) this.partialSince = now;
      const bytes = decoder.bytes;
      for (let i = 0; i < n; i++) handlers.onFrame(decoder.heads[i]!, bytes, decoder.bodyStarts[i]!, decoder.bodyEnds[i]!);
    };
    socket.on('data', this.onData);
    socket.on('error', () => {
      // 'close' follows; the owner learns of the loss there.
    });
    socket.once('close', () => {
      this.closed = true;
      if (budget !== undefined) budget.used -= this.held;
      this.held = 0;
      this.out = Buffer.allocUnsafeSlow(0);
      this.outStart = this.outEnd = 0;
      handlers.onClose();
    });
  }

  /** Processes bytes read before this wrapper took the socket over. */
  feed(chunk: Buffer): void {
    this.onData(chunk);
  }

  /** False once the socket has closed. */
  get open(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /** Queues a frame built from its head and body (bytes [0, bodyLength) of `body`); frames queued in one tick leave in one write. */
  sendFrame(head: RpcHead, body: Uint8Array, bodyLength = body.length): void {
    if (!this.open) return;
    const at = this.reserve(frameSizeBound(head, body, bodyLength));
    this.outEnd = writeFrame(head, body, this.out, at, bodyLength);
  }

  /** Queues an already encoded frame. */
  send(frame: Uint8Array): void {
    if (!this.open) return;
    const at = this.reserve(frame.length);
    this.out.set(frame, at);
    this.outEnd = at + frame.length;
  }

  /** True while the kernel has not taken what was written: stop reading new requests. */
  get writeBlocked(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** Stops reading; counted, so pause/resume pairs from different reasons nest. */
  pause(): void {
    if (this.pauses++ === 0) this.socket.pause();
  }

  /** Undoes one pause. */
  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) this.socket.resume();
  }

  /** Closes after queued frames and pending writes flush. */
  end(): void {
    this.flush();
    this.socket.end();
  }

  /** Closes at once. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Makes room for `size` bytes at the end of the queue and returns where they go. */
  private reserve(size: number): number {
    if (this.outEnd + size > this.out.length) {
      // What is queued leaves now, in order; the next frames start a fresh slab.
      this.flush();
      this.out = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, size));
      this.outStart = this.outEnd = 0;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushNow);
    }
    return this.outEnd;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outEnd === this.outStart || !this.open) return;
    // The written range is never touched again: later frames go after it or into a new slab.
    this.socket.write(this.out.subarray(this.outStart, this.outEnd));
    this.outStart = this.outEnd;
  }
}
