import { readHead } from './head-decoder.js';
import { headSize, headSizeBound, writeHead, type RpcHead } from './rpc-head.js';
import { frameInvalid, frameTooLarge } from './rpc.errors.js';

/** First byte of every frame: '('. */
export const FRAME_STX = 0x28;
/** Last byte of every frame: ')'. */
export const FRAME_ETX = 0x29;
/** STX, two u32 lengths and ETX: the smallest frame has no head and no body. */
export const FRAME_OVERHEAD = 10;
/** Default cap on one frame; larger frames close the connection. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** One decoded frame: the parsed head and the raw body for the method's codec. */
export interface Frame {
  head: RpcHead;
  body: Buffer;
}

/** Encodes `( headLen bodyLen head body )` into one buffer of exactly its size. */
export function encodeFrame(head: RpcHead, body: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_OVERHEAD + headSize(head) + body.length);
  const end = writeFrame(head, body, buf, 0);
  if (end !== buf.length) throw new RangeError(`frame took ${end} bytes, not the ${buf.length} measured`);
  return buf;
}

/** Room writeFrame may need for this head and body: an upper bound, computed without looking inside strings. */
export function frameSizeBound(head: RpcHead, body: Uint8Array, bodyLength = body.length): number {
  return FRAME_OVERHEAD + headSizeBound(head) + bodyLength;
}

/**
 * Writes a frame at `pos` of `buf`, which must have frameSizeBound(head, body) bytes free, and returns the
 * position after it. The body is bytes [0, bodyLength) of `body`. The head is written in one pass and its
 * length filled in afterwards, so batching writers encode frames straight into their output buffer.
 */
export function writeFrame(head: RpcHead, body: Uint8Array, buf: Uint8Array, pos: number, bodyLength = body.length): number {
  const blen = bodyLength;
  buf[pos] = FRAME_STX;
  const bodyAt = writeHead(head, buf, pos + 9);
  putU32(buf, pos + 1, bodyAt - pos - 9);
  putU32(buf, pos + 5, blen);
  // Small bodies are copied by hand: cheaper than a call into set().
  if (blen < 64) for (let i = 0; i < blen; i++) buf[bodyAt + i] = body[i]!;
  else buf.set(blen === body.length ? body : body.subarray(0, blen), bodyAt);
  buf[bodyAt + blen] = FRAME_ETX;
  return bodyAt + blen + 1;
}

function putU32(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v >>> 24;
  buf[pos + 1] = (v >>> 16) & 0xff;
  buf[pos + 2] = (v >>> 8) & 0xff;
  buf[pos + 3] = v & 0xff;
}

const EMPTY = Buffer.alloc(0);

/** Heads read from buffers up to this size keep their trace and span ids as bytes until read; larger buffers are not pinned. */
const LAZY_ID_BUFFER_BYTES = 128 * 1024;

/**
 * Splits a byte stream into frames. Pure: feed it chunks as they arrive and it returns the frames completed
 * so far, keeping any partial frame for the next chunk. Throws RPC_FRAME_INVALID / RPC_FRAME_TOO_LARGE,
 * after which the stream cannot be resynchronised and the connection should be closed. A head may read its
 * trace and span ids from the chunk when they are first asked for: do not overwrite a chunk once fed.
 */
export class FrameDecoder {
  /** After decode(): the head of each frame completed. */
  readonly heads: RpcHead[] = [];
  /** After decode(): where each frame's body starts in `bytes`. */
  readonly bodyStarts: number[] = [];
  /** After decode(): where each frame's body ends in `bytes`. */
  readonly bodyEnds: number[] = [];
  /** After decode(): the bytes the bodies are in (valid until the next decode). */
  bytes: Buffer = EMPTY;
  /** Chunks of the frame in progress, joined once when it is complete (never re-copied per read). */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Size of the frame in progress once its 9 header bytes have arrived, else 0. */
  private partNeeds = 0;
  private readonly maxFrameBytes: number;
  /** How many times bytes held back were copied into one buffer; a seam for tests of linear reassembly. */
  joins = 0;

  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.partsBytes;
  }

  /** Adds a chunk and returns every frame it completes, in order. */
  push(chunk: Buffer): Frame[] {
    const n = this.decode(chunk);
    const frames: Frame[] = [];
    for (let i = 0; i < n; i++) frames.push({ head: this.heads[i]!, body: this.bytes.subarray(this.bodyStarts[i], this.bodyEnds[i]) });
    return frames;
  }

  /**
   * Adds a chunk and returns how many frames it completes; they are described by heads, bodyStarts, bodyEnds
   * and bytes. The allocation-free form of push(), for the socket layer.
   */
  decode(chunk: Buffer): number {
    let buf = chunk;
    if (this.partsBytes > 0) {
      this.parts.push(chunk);
      this.partsBytes += chunk.length;
      // A large frame arriving in small reads is kept as a list of chunks until it is whole: joining on every read
      // would copy the partial frame again each time (quadratic in its size).
      if (this.partNeeds === 0 && this.partsBytes >= 9) this.partNeeds = this.frameSizeAt(this.join(), 0);
      if (this.partNeeds > 0 && this.partsBytes < this.partNeeds) {
        this.truncate(0);
        return 0;
      }
      buf = this.join();
      this.parts = [];
      this.partsBytes = 0;
      this.partNeeds = 0;
    }
    const heads = this.heads;
    const starts = this.bodyStarts;
    const ends = this.bodyEnds;
    const lazyIds = buf.length <= LAZY_ID_BUFFER_BYTES;
    let n = 0;
    let pos = 0;
    while (buf.length - pos >= 9) {
      const total = this.frameSizeAt(buf, pos);
      if (buf.length - pos < total) break;
      if (buf[pos + total - 1] !== FRAME_ETX) throw frameInvalid('expected 0x29 at frame end');
      const hlen = readU32(buf, pos + 1);
      heads[n] = readHead(buf, pos + 9, pos + 9 + hlen, lazyIds);
      starts[n] = pos + 9 + hlen;
      ends[n] = pos + total - 1;
      n++;
      pos += total;
    }
    this.truncate(n);
    this.bytes = buf;
    if (pos < buf.length) {
      // Copy so a small remainder does not pin a large chunk in memory.
      const rest = buf.subarray(pos);
      this.parts = [rest.length < 4096 ? Buffer.from(rest) : rest];
      this.partsBytes = rest.length;
      this.partNeeds = rest.length >= 9 ? this.frameSizeAt(rest, 0) : 0;
    }
    return n;
  }

  /** The whole size of the frame starting at `pos` (needs 9 bytes there); throws on a bad start or an oversize frame. */
  private frameSizeAt(buf: Buffer, pos: number): number {
    if (buf[pos] !== FRAME_STX) throw frameInvalid(`expected 0x28 at frame start, got 0x${buf[pos]!.toString(16).padStart(2, '0')}`);
    const total = FRAME_OVERHEAD + readU32(buf, pos + 1) + readU32(buf, pos + 5);
    if (total > this.maxFrameBytes) throw frameTooLarge(total, this.maxFrameBytes);
    return total;
  }

  /** The held-back chunks as one buffer (the list becomes that one buffer). */
  private join(): Buffer {
    if (this.parts.length > 1) {
      this.joins++;
      this.parts = [Buffer.concat(this.parts, this.partsBytes)];
    }
    return this.parts[0]!;
  }

  /** Heads of earlier, larger batches are let go. */
  private truncate(n: number): void {
    if (this.heads.length > n) this.heads.length = this.bodyStarts.length = this.bodyEnds.length = n;
  }
}

function readU32(buf: Buffer, pos: number): number {
  return buf[pos]! * 0x100_0000 + ((buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!);
}
