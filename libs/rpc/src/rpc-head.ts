import { headInvalid } from './rpc.errors.js';

/**
 * The head of every frame: MSEC's `CRpcHead` (field numbers 10–60 kept so original MSEC peers interoperate)
 * plus MSEC-TS fields from 70 on. See `proto/rpc-head.proto`.
 */
export interface RpcHead {
  /** Matches a reply to its request on a connection (10). */
  sequence: number;
  /** `pkg.Service.Method` (51). */
  methodName: string;
  /** 1 when the request is coloured: every hop logs it (20). */
  coloring?: number;
  /** Which colouring rule matched (21). */
  colorId?: number;
  /** Request id copied into every downstream call (30). */
  flowId?: number;
  /** 0 on success; non-zero on failure (40). */
  err?: number;
  /** Business result code, for peers that use it (41). */
  result?: number;
  /** Human-readable error text (42). */
  errMsg?: string;
  /** Calling service name (50). */
  caller?: string;
  /** Call path so far (60). */
  callerStack?: string;
  /** Stable error code, e.g. RPC_TIMEOUT (70). */
  errCode?: string;
  /** HTTP-like status of the error (71). */
  errStatus?: number;
  /** Whether retrying may help (72). */
  errRetryable?: boolean;
  /** JSON of the error's data (73). */
  errData?: string;
  /** Time budget left, in ms, when the caller sent the request (80); relative, so clocks need not agree. */
  deadlineMs?: number;
  /** Trace id shared by every call of one request (90). */
  traceId?: string;
  /** This call's span id (91). */
  spanId?: string;
  /** The span id of the call being served when this one was made (92). */
  parentSpanId?: string;
  /** MSEC-TS head version (100); absent from original MSEC peers. */
  version?: number;
}

/** The head version this build writes. */
export const HEAD_VERSION = 1;

/** Field numbers of the head, defined once. */
export const HeadField = {
  sequence: 10,
  coloring: 20,
  colorId: 21,
  flowId: 30,
  err: 40,
  result: 41,
  errMsg: 42,
  caller: 50,
  methodName: 51,
  callerStack: 60,
  errCode: 70,
  errStatus: 71,
  errRetryable: 72,
  errData: 73,
  deadlineMs: 80,
  traceId: 90,
  spanId: 91,
  parentSpanId: 92,
  version: 100,
} as const;
/** One head field number. */
export type HeadField = (typeof HeadField)[keyof typeof HeadField];

const TWO_32 = 0x1_0000_0000;
const VARINT = 0;
const LEN = 2;

/** Bytes of a varint for a non-negative safe integer, or 10 for a negative int32 (sign-extended, as protobuf does). */
function varintSize(v: number): number {
  if (v < 0) return 10;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x20_0000) return 3;
  if (v < 0x1000_0000) return 4;
  let size = 5;
  let rest = Math.floor(v / 0x8_0000_0000);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 128);
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  if (v >= 0 && v < 0x8000_0000) {
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    return pos;
  }
  let lo = v >>> 0;
  let hi = v < 0 ? 0xffff_ffff : Math.floor(v / TWO_32) >>> 0;
  while (hi !== 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

// Tags are constants: precomputed bytes (fields 10..15 take one byte, 16 and up two).
const tagBytes = (field: number, wire: number): number[] => {
  const tag = (field << 3) | wire;
  return tag < 0x80 ? [tag] : [(tag & 0x7f) | 0x80, tag >>> 7];
};

function numSize(field: number, v: number | undefined): number {
  return v === undefined ? 0 : (field < 16 ? 1 : 2) + varintSize(v);
}

function strSize(field: number, v: string | undefined): number {
  if (v === undefined) return 0;
  const len = Buffer.byteLength(v);
  return (field < 16 ? 1 : 2) + varintSize(len) + len;
}

function putNum(buf: Buffer, pos: number, field: number, v: number | undefined): number {
  if (v === undefined) return pos;
  for (const b of TAGS_VARINT[field]!) buf[pos++] = b;
  return writeVarint(buf, pos, v);
}

function putStr(buf: Buffer, pos: number, field: number, v: string | undefined): number {
  if (v === undefined) return pos;
  for (const b of TAGS_LEN[field]!) buf[pos++] = b;
  const len = Buffer.byteLength(v);
  pos = writeVarint(buf, pos, len);
  return pos + (len === v.length && len < 48 ? asciiWrite(buf, pos, v) : buf.write(v, pos, 'utf8'));
}

/** Short ASCII strings are copied by hand: cheaper than a call into the UTF-8 encoder. */
function asciiWrite(buf: Buffer, pos: number, v: string): number {
  for (let i = 0; i < v.length; i++) buf[pos + i] = v.charCodeAt(i);
  return v.length;
}

const TAGS_VARINT: Record<number, number[]> = {};
const TAGS_LEN: Record<number, number[]> = {};
for (const f of Object.values(HeadField)) {
  TAGS_VARINT[f] = tagBytes(f, VARINT);
  TAGS_LEN[f] = tagBytes(f, LEN);
}

/** Bytes the encoded head will take. */
export function headSize(h: RpcHead): number {
  return (
    1 +
    varintSize(h.sequence) +
    numSize(HeadField.coloring, h.coloring) +
    numSize(HeadField.colorId, h.colorId) +
    numSize(HeadField.flowId, h.flowId) +
    numSize(HeadField.err, h.err) +
    numSize(HeadField.result, h.result) +
    numSize(HeadField.errStatus, h.errStatus) +
    numSize(HeadField.deadlineMs, h.deadlineMs) +
    numSize(HeadField.version, h.version) +
    (h.errRetryable === undefined ? 0 : 3) +
    strSize(HeadField.errMsg, h.errMsg) +
    strSize(HeadField.caller, h.caller) +
    strSize(HeadField.methodName, h.methodName) +
    strSize(HeadField.callerStack, h.callerStack) +
    strSize(HeadField.errCode, h.errCode) +
    strSize(HeadField.errData, h.errData) +
    strSize(HeadField.traceId, h.traceId) +
    strSize(HeadField.spanId, h.spanId) +
    strSize(HeadField.parentSpanId, h.parentSpanId)
  );
}

/** Writes the head at `pos` and returns the position after it; `buf` must have headSize(head) bytes free. */
export function writeHead(h: RpcHead, buf: Buffer, pos: number): number {
  pos = putNum(buf, pos, HeadField.sequence, h.sequence);
  pos = putNum(buf, pos, HeadField.coloring, h.coloring);
  pos = putNum(buf, pos, HeadField.colorId, h.colorId);
  pos = putNum(buf, pos, HeadField.flowId, h.flowId);
  pos = putNum(buf, pos, HeadField.err, h.err);
  pos = putNum(buf, pos, HeadField.result, h.result);
  pos = putStr(buf, pos, HeadField.errMsg, h.errMsg);
  pos = putStr(buf, pos, HeadField.caller, h.caller);
  pos = putStr(buf, pos, HeadField.methodName, h.methodName);
  pos = putStr(buf, pos, HeadField.callerStack, h.callerStack);
  pos = putStr(buf, pos, HeadField.errCode, h.errCode);
  pos = putNum(buf, pos, HeadField.errStatus, h.errStatus);
  if (h.errRetryable !== undefined) {
    for (const b of TAGS_VARINT[HeadField.errRetryable]!) buf[pos++] = b;
    buf[pos++] = h.errRetryable ? 1 : 0;
  }
  pos = putStr(buf, pos, HeadField.errData, h.errData);
  pos = putNum(buf, pos, HeadField.deadlineMs, h.deadlineMs);
  pos = putStr(buf, pos, HeadField.traceId, h.traceId);
  pos = putStr(buf, pos, HeadField.spanId, h.spanId);
  pos = putStr(buf, pos, HeadField.parentSpanId, h.parentSpanId);
  pos = putNum(buf, pos, HeadField.version, h.version);
  return pos;
}

/** Encodes a head on its own (the frame encoder writes it in place instead). */
export function encodeHead(head: RpcHead): Buffer {
  const buf = Buffer.allocUnsafe(headSize(head));
  writeHead(head, buf, 0);
  return buf;
}

// Decoder state lives at module level: decoding is synchronous and never re-entered, and closures per call
// showed up in profiles as garbage.
let dBuf: Uint8Array = new Uint8Array(0);
let dPos = 0;
let dEnd = 0;
let dLo = 0;
let dHi = 0;

function readVarint(): void {
  let lo = 0;
  let hi = 0;
  let shift = 0;
  for (;;) {
    if (dPos >= dEnd) throw headInvalid('truncated varint');
    const b = dBuf[dPos++]!;
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >>> 4;
    } else if (shift < 64) hi |= (b & 0x7f) << (shift - 32);
    else throw headInvalid('varint longer than 10 bytes');
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  dLo = lo >>> 0;
  dHi = hi >>> 0;
}

function readString(): string {
  readVarint();
  const len = dLo;
  if (dHi !== 0 || dPos + len > dEnd) throw headInvalid('length-delimited field runs past the head');
  let s: string;
  if (len < 48) {
    // Short ASCII (method names, ids) decoded by hand; anything else goes through the UTF-8 decoder.
    s = '';
    for (let i = 0; i < len; i++) {
      const c = dBuf[dPos + i]!;
      if (c >= 0x80) {
        s = Buffer.from(dBuf.buffer, dBuf.byteOffset + dPos, len).toString('utf8');
        break;
      }
      s += String.fromCharCode(c);
    }
  } else {
    s = Buffer.from(dBuf.buffer, dBuf.byteOffset + dPos, len).toString('utf8');
  }
  dPos += len;
  return s;
}

/** Decodes a head (from `start` to `end` of `buf`); unknown fields are skipped so newer peers can add fields. */
export function decodeHead(buf: Uint8Array, start = 0, end = buf.length): RpcHead {
  const head: RpcHead = { sequence: -1, methodName: '' };
  dBuf = buf;
  dPos = start;
  dEnd = end;
  while (dPos < dEnd) {
    readVarint();
    const field = dLo >>> 3;
    const wire = dLo & 7;
    if (wire === VARINT) {
      readVarint();
      const lo = dLo;
      const unsigned = dHi * TWO_32 + lo;
      switch (field) {
        case HeadField.sequence:
          head.sequence = unsigned;
          break;
        case HeadField.coloring:
          head.coloring = lo;
          break;
        case HeadField.colorId:
          head.colorId = unsigned;
          break;
        case HeadField.flowId:
          head.flowId = unsigned;
          break;
        case HeadField.err:
          head.err = lo | 0;
          break;
        case HeadField.result:
          head.result = lo | 0;
          break;
        case HeadField.errStatus:
          head.errStatus = lo;
          break;
        case HeadField.errRetryable:
          head.errRetryable = lo !== 0;
          break;
        case HeadField.deadlineMs:
          head.deadlineMs = unsigned;
          break;
        case HeadField.version:
          head.version = lo;
          break;
      }
    } else if (wire === LEN) {
      const value = readString();
      switch (field) {
        case HeadField.errMsg:
          head.errMsg = value;
          break;
        case HeadField.caller:
          head.caller = value;
          break;
        case HeadField.methodName:
          head.methodName = value;
          break;
        case HeadField.callerStack:
          head.callerStack = value;
          break;
        case HeadField.errCode:
          head.errCode = value;
          break;
        case HeadField.errData:
          head.errData = value;
          break;
        case HeadField.traceId:
          head.traceId = value;
          break;
        case HeadField.spanId:
          head.spanId = value;
          break;
        case HeadField.parentSpanId:
          head.parentSpanId = value;
          break;
      }
    } else if (wire === 1) {
      dPos += 8;
    } else if (wire === 5) {
      dPos += 4;
    } else {
      throw headInvalid(`unsupported wire type ${wire} for field ${field}`);
    }
  }
  if (dPos > dEnd) throw headInvalid('fixed-width field runs past the head');
  if (head.sequence < 0) throw headInvalid('required field sequence (10) is missing');
  return head;
}
