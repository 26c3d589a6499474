import { headInvalid } from './rpc.errors.js';
import { HeadField, type RpcHead } from './rpc-head.js';
import { headText as text, ReceivedHead } from './received-head.js';

// The head decoder: strict (a malformed head throws RPC_HEAD_INVALID, which closes that connection), and
// cheap on the common shapes, since it runs for every frame received.

const TWO_32 = 0x1_0000_0000;
const VARINT = 0;
const LEN = 2;

// Result of the long-varint path; one-byte values and tags of up to two bytes are read inline, without a call.
let vLo = 0;
let vHi = 0;

/** Reads a varint at `pos` into vLo/vHi and returns the position after it. */
function readVarint(buf: Buffer, pos: number, end: number): number {
  let lo = 0;
  let hi = 0;
  let shift = 0;
  for (;;) {
    if (pos >= end) throw headInvalid('truncated varint');
    const b = buf[pos++]!;
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >>> 4;
    } else if (shift < 64) hi |= (b & 0x7f) << (shift - 32);
    else throw headInvalid('varint longer than 10 bytes');
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  vLo = lo >>> 0;
  vHi = hi >>> 0;
  return pos;
}

// Method names, callers and call paths repeat on every call: a small cache by content returns the same string
// instead of decoding a new one. Direct-mapped, so a miss costs one slot and memory stays bounded.
const INTERN_SLOTS = 256;
const INTERN_MAX = 96;
const internBytes: Array<Buffer | undefined> = new Array<Buffer | undefined>(INTERN_SLOTS).fill(undefined);
const internText: string[] = new Array<string>(INTERN_SLOTS).fill('');

function internedText(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len > INTERN_MAX) return text(buf, start, end);
  // The slot comes from the length and a few bytes (names differ most at their ends); a full compare follows.
  let h = Math.imul(len, 0x9e37_79b1);
  if (len > 0) {
    h = Math.imul(h ^ buf[end - 1]!, 0x0100_0193);
    h = Math.imul(h ^ buf[start + ((len * 3) >>> 2)]!, 0x0100_0193);
    h = Math.imul(h ^ buf[start + (len >>> 1)]!, 0x0100_0193);
    h = Math.imul(h ^ buf[start]!, 0x0100_0193);
  }
  const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1);
  const known = internBytes[slot];
  if (known !== undefined && known.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (known[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return internText[slot]!;
  }
  const value = text(buf, start, end);
  internBytes[slot] = Buffer.from(buf.subarray(start, end));
  internText[slot] = value;
  return value;
}

/**
 * Decodes a head (from `start` to `end` of `buf`); unknown fields are skipped so newer peers can add fields.
 * Every field is present on the result (undefined when absent), so all decoded heads share one shape.
 */
export function decodeHead(input: Uint8Array, start = 0, end = input.length): RpcHead {
  const b = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const h = readHead(b, start, Math.min(end, b.length), false);
  return {
    sequence: h.sequence,
    methodName: h.methodName,
    coloring: h.coloring,
    colorId: h.colorId,
    flowId: h.flowId,
    err: h.err,
    result: h.result,
    errMsg: h.errMsg,
    caller: h.caller,
    callerStack: h.callerStack,
    errCode: h.errCode,
    errStatus: h.errStatus,
    errRetryable: h.errRetryable,
    errData: h.errData,
    deadlineMs: h.deadlineMs,
    traceId: h.traceId,
    spanId: h.spanId,
    parentSpanId: h.parentSpanId,
    traced: h.traced,
    version: h.version,
  };
}

/**
 * Decodes the head in bytes [start, end) of `b` (end within b). With `lazyIds`, trace and span ids are kept as
 * ranges of `b` until read, so `b` must not be overwritten while the head is in use.
 */
export function readHead(b: Buffer, start: number, end: number, lazyIds: boolean): ReceivedHead {
  const h = new ReceivedHead();
  let pos = start;
  let sequence = -1;
  while (pos < end) {
    let tag = b[pos]!;
    if (tag < 0x80) {
      pos += 1;
    } else if (pos + 1 < end && b[pos + 1]! < 0x80) {
      tag = (tag & 0x7f) | (b[pos + 1]! << 7);
      pos += 2;
    } else {
      pos = readVarint(b, pos, end);
      tag = vLo;
    }
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === VARINT) {
      let lo: number;
      let hi = 0;
      if (pos < end && b[pos]! < 0x80) {
        lo = b[pos++]!;
      } else if (pos + 1 < end && b[pos + 1]! < 0x80) {
        lo = (b[pos]! & 0x7f) | (b[pos + 1]! << 7);
        pos += 2;
      } else {
        pos = readVarint(b, pos, end);
        lo = vLo;
        hi = vHi;
      }
      const unsigned = hi * TWO_32 + lo;
      switch (field) {
        case HeadField.sequence:
          sequence = unsigned;
          break;
        case HeadField.coloring:
          h.coloring = lo;
          break;
        case HeadField.colorId:
          h.colorId = unsigned;
          break;
        case HeadField.flowId:
          h.flowId = unsigned;
          break;
        case HeadField.err:
          h.err = lo | 0;
          break;
        case HeadField.result:
          h.result = lo | 0;
          break;
        case HeadField.errStatus:
          h.errStatus = lo;
          break;
        case HeadField.errRetryable:
          h.errRetryable = lo !== 0;
          break;
        case HeadField.deadlineMs:
          h.deadlineMs = unsigned;
          break;
        case HeadField.traced:
          h.traced = lo === 0 ? 0 : 1;
          break;
        case HeadField.version:
          h.version = lo;
          break;
      }
    } else if (wire === LEN) {
      let len: number;
      if (pos < end && b[pos]! < 0x80) {
        len = b[pos++]!;
      } else {
        pos = readVarint(b, pos, end);
        if (vHi !== 0) throw headInvalid('length-delimited field runs past the head');
        len = vLo;
      }
      if (pos + len > end) throw headInvalid('length-delimited field runs past the head');
      const from = pos;
      const to = (pos += len);
      switch (field) {
        case HeadField.errMsg:
          h.errMsg = text(b, from, to);
          break;
        case HeadField.caller:
          h.caller = internedText(b, from, to);
          break;
        case HeadField.methodName:
          h.methodName = internedText(b, from, to);
          break;
        case HeadField.callerStack:
          h.callerStack = internedText(b, from, to);
          break;
        case HeadField.errCode:
          h.errCode = internedText(b, from, to);
          break;
        case HeadField.errData:
          h.errData = text(b, from, to);
          break;
        case HeadField.traceId:
          if (lazyIds) h.setIdRange(b, 0, from, to);
          else h.traceId = text(b, from, to);
          break;
        case HeadField.spanId:
          if (lazyIds) h.setIdRange(b, 1, from, to);
          else h.spanId = text(b, from, to);
          break;
        case HeadField.parentSpanId:
          if (lazyIds) h.setIdRange(b, 2, from, to);
          else h.parentSpanId = text(b, from, to);
          break;
      }
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw headInvalid(`unsupported wire type ${wire} for field ${field}`);
    }
  }
  if (pos > end) throw headInvalid('fixed-width field runs past the head');
  if (sequence < 0) throw headInvalid('required field sequence (10) is missing');
  h.sequence = sequence;
  return h;
}
