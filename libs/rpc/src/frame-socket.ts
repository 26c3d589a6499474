import type { Socket } from 'node:net';
import { FrameDecoder, type Frame } from './frame-codec.js';

/** What a FrameSocket reports to its owner. */
export interface FrameSocketHandlers {
  onFrame(frame: Frame): void;
  /** The stream broke the protocol; the socket has already been destroyed. */
  onProtocolError(error: unknown): void;
  onClose(): void;
}

/**
 * The transport half: moves frames over one TCP socket. Writes made in the same tick are corked into one
 * syscall, which is what lets a pipelined connection carry tens of thousands of calls a second. Reading can be
 * paused for backpressure; the owner sees when a partial frame has been pending (slow-loris).
 */
export class FrameSocket {
  readonly socket: Socket;
  readonly remote: string;
  /** performance.now() of the last bytes read. */
  lastReadAt = performance.now();
  /** performance.now() since which a frame has been incomplete, or 0. */
  partialSince = 0;
  private readonly decoder: FrameDecoder;
  private readonly onData: (chunk: Buffer) => void;
  private corked = false;
  private closed = false;
  private pauses = 0;

  constructor(socket: Socket, maxFrameBytes: number, handlers: FrameSocketHandlers) {
    this.socket = socket;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.setNoDelay(true);
    this.onData = (chunk: Buffer): void => {
      const now = performance.now();
      this.lastReadAt = now;
      let frames: Frame[];
      try {
        frames = this.decoder.push(chunk);
      } catch (error) {
        socket.destroy();
        handlers.onProtocolError(error);
        return;
      }
      if (this.decoder.bufferedBytes === 0) this.partialSince = 0;
      else if (frames.length > 0 || this.partialSince === 0) this.partialSince = now;
      for (const frame of frames) handlers.onFrame(frame);
    };
    socket.on('data', this.onData);
    socket.on('error', () => {
      // 'close' follows; the owner learns of the loss there.
    });
    socket.once('close', () => {
      this.closed = true;
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

  /** Queues a frame; frames queued in one tick leave in one write. */
  send(frame: Buffer): void {
    if (!this.open) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
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

  /** Closes after pending writes flush. */
  end(): void {
    this.socket.end();
  }

  /** Closes at once. */
  destroy(): void {
    this.socket.destroy();
  }
}
