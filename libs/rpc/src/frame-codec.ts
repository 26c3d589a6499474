import { headSize, writeHead, decodeHead, type RpcHead } from './rpc-head.js';
import { frameInvalid, frameTooLarge } from './rpc.errors.js';

/** First byte of every frame: '('. */
export const FRAME_STX = 0x28;
/** Last byte of every frame: ')'. */
export const FRAME_ETX = 0x29;
/** STX, two u32 lengths and ETX: the smallest frame has no head and no body. */
export const FRAME_OVERHEAD = 10;
/** Default cap on one frame; larger frames close the connection. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** One decoded frame: the parsed head and the raw body for the method's codec. */
export interface Frame {
  head: RpcHead;
  body: Buffer;
}

/** Encodes `( headLen bodyLen head body )` into one buffer, so one socket write sends a whole frame. */
export function encodeFrame(head: RpcHead, body: Uint8Array): Buffer {
  const hlen = headSize(head);
  const buf = Buffer.allocUnsafe(FRAME_OVERHEAD + hlen + body.length);
  buf[0] = FRAME_STX;
  buf.writeUInt32BE(hlen, 1);
  buf.writeUInt32BE(body.length, 5);
  writeHead(head, buf, 9);
  buf.set(body, 9 + hlen);
  buf[buf.length - 1] = FRAME_ETX;
  return buf;
}

/**
 * Splits a byte stream into frames. Pure: feed it chunks as they arrive and it returns the frames completed
 * so far, keeping any partial frame for the next chunk. Throws RPC_FRAME_INVALID / RPC_FRAME_TOO_LARGE,
 * after which the stream cannot be resynchronised and the connection should be closed.
 */
export class FrameDecoder {
  private pending: Buffer | undefined;
  private readonly maxFrameBytes: number;

  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.pending?.length ?? 0;
  }

  /** Adds a chunk and returns every frame it completes, in order. */
  push(chunk: Buffer): Frame[] {
    let buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    const frames: Frame[] = [];
    let pos = 0;
    while (buf.length - pos >= 9) {
      if (buf[pos] !== FRAME_STX) throw frameInvalid(`expected 0x28 at frame start, got 0x${buf[pos]!.toString(16).padStart(2, '0')}`);
      const hlen = buf.readUInt32BE(pos + 1);
      const blen = buf.readUInt32BE(pos + 5);
      const total = FRAME_OVERHEAD + hlen + blen;
      if (total > this.maxFrameBytes) throw frameTooLarge(total, this.maxFrameBytes);
      if (buf.length - pos < total) break;
      if (buf[pos + total - 1] !== FRAME_ETX) throw frameInvalid('expected 0x29 at frame end');
      const head = decodeHead(buf, pos + 9, pos + 9 + hlen);
      frames.push({ head, body: buf.subarray(pos + 9 + hlen, pos + total - 1) });
      pos += total;
    }
    if (pos < buf.length) {
      // Copy so a small remainder does not pin a large chunk in memory.
      buf = buf.subarray(pos);
      this.pending = buf.length < 4096 ? Buffer.from(buf) : buf;
    }
    return frames;
  }
}
