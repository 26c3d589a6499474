import { idLength, MAX_ID_LENGTH, writeIdText } from './ids.js';

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
  /**
   * Whether the request is traced (93): 1 yes, 0 no, decided once by the module the request entered; absent until
   * then. Every module downstream follows it, so a trace is whole or absent.
   */
  traced?: number;
  /** MSEC-TS head version (100); absent from original MSEC peers. */
  version?: number;
}

/**
 * A head as this process builds it to send: a trace or span id it made itself may be given as its number from
 * ids.ts (`traceNo`, `spanNo`) instead of as text; the writer puts the same bytes on the wire either way.
 */
export interface OutgoingHead extends RpcHead {
  /** Used when traceId is absent. */
  traceNo?: number;
  /** Used when spanId is absent. */
  spanNo?: number;
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
  traced: 93,
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

function writeVarint(buf: Uint8Array, pos: number, v: number): number {
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

/** UTF-8 length of a string; ASCII (every name and id the runtime sends) is counted without the encoder. */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function tagSize(field: number): number {
  return field < 16 ? 1 : 2;
}

function numSize(field: number, v: number | undefined): number {
  return v === undefined ? 0 : tagSize(field) + varintSize(v);
}

function strSize(field: number, v: string | undefined): number {
  if (v === undefined) return 0;
  const len = utf8Length(v);
  return tagSize(field) + varintSize(len) + len;
}

// Every head field number is below 2048, so a tag takes one byte (fields 1–15) or two.
function putTag(buf: Uint8Array, pos: number, field: number, wire: number): number {
  const tag = (field << 3) | wire;
  if (tag < 0x80) {
    buf[pos] = tag;
    return pos + 1;
  }
  buf[pos] = (tag & 0x7f) | 0x80;
  buf[pos + 1] = tag >>> 7;
  return pos + 2;
}

function putNum(buf: Uint8Array, pos: number, field: number, v: number): number {
  pos = putTag(buf, pos, field, VARINT);
  if (v >= 0 && v < 0x80) {
    buf[pos] = v;
    return pos + 1;
  }
  return writeVarint(buf, pos, v);
}

function putStr(buf: Uint8Array, pos: number, field: number, v: string): number {
  pos = putTag(buf, pos, field, LEN);
  // Written as ASCII first: the length is then the string's length. A non-ASCII character restarts the field
  // through the UTF-8 encoder.
  const n = v.length;
  const start = pos;
  pos = writeVarint(buf, pos, n);
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x80) {
      const len = Buffer.byteLength(v, 'utf8');
      const at = writeVarint(buf, start, len);
      return at + Buffer.from(buf.buffer, buf.byteOffset, buf.length).write(v, at, len, 'utf8');
    }
    buf[pos + i] = c;
  }
  return pos + n;
}

// Method names, callers, call paths and error codes repeat on every call: their UTF-8 bytes are kept, and copying
// them is cheaper than encoding the string again. Cleared when full, so odd names cannot grow it without bound.
const NAME_CACHE_MAX = 1024;
const nameBytes = new Map<string, Buffer>();

function putName(buf: Uint8Array, pos: number, field: number, v: string): number {
  let bytes = nameBytes.get(v);
  if (bytes === undefined) {
    if (v.length > 256) return putStr(buf, pos, field, v);
    if (nameBytes.size >= NAME_CACHE_MAX) nameBytes.clear();
    bytes = Buffer.from(v, 'utf8');
    nameBytes.set(v, bytes);
  }
  const n = bytes.length;
  pos = writeVarint(buf, putTag(buf, pos, field, LEN), n);
  // Names are short: copied by hand, which is cheaper than a call into set().
  if (n < 64) for (let i = 0; i < n; i++) buf[pos + i] = bytes[i]!;
  else buf.set(bytes, pos);
  return pos + n;
}

/** An id by number: its text is ASCII and shorter than 128 bytes, so the length takes one byte. */
function putId(buf: Uint8Array, pos: number, field: number, n: number): number {
  pos = putTag(buf, pos, field, LEN);
  const end = writeIdText(buf, pos + 1, n);
  buf[pos] = end - pos - 1;
  return end;
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
    numSize(HeadField.traced, h.traced) +
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
    strSize(HeadField.parentSpanId, h.parentSpanId) +
    idSize(h.traceId, (h as OutgoingHead).traceNo) +
    idSize(h.spanId, (h as OutgoingHead).spanNo)
  );
}

/** Bytes of an id given by number (when its text is absent): two tag bytes, a one-byte length, the text. */
function idSize(text: string | undefined, n: number | undefined): number {
  return text !== undefined || n === undefined ? 0 : 3 + idLength(n);
}

/** At most 12 bytes per number field (tag and a 10-byte varint); per string, 7 plus 3 per UTF-16 unit; room for two ids by number. */
function strBound(v: string | undefined): number {
  return v === undefined ? 0 : 7 + 3 * v.length;
}

/** An upper bound of headSize(h), without scanning strings: room to reserve before writeHead. */
export function headSizeBound(h: RpcHead): number {
  return (
    12 * 12 +
    strBound(h.errMsg) +
    strBound(h.caller) +
    strBound(h.methodName) +
    strBound(h.callerStack) +
    strBound(h.errCode) +
    strBound(h.errData) +
    strBound(h.traceId) +
    strBound(h.spanId) +
    strBound(h.parentSpanId) +
    2 * (3 + MAX_ID_LENGTH)
  );
}

/** Writes the head at `pos` and returns the position after it; `buf` must have headSizeBound(head) bytes free. */
export function writeHead(h: RpcHead, buf: Uint8Array, pos: number): number {
  // Absent fields are skipped here rather than inside the helpers: a call per field was half the cost.
  pos = putNum(buf, pos, HeadField.sequence, h.sequence);
  if (h.coloring !== undefined) pos = putNum(buf, pos, HeadField.coloring, h.coloring);
  if (h.colorId !== undefined) pos = putNum(buf, pos, HeadField.colorId, h.colorId);
  if (h.flowId !== undefined) pos = putNum(buf, pos, HeadField.flowId, h.flowId);
  if (h.err !== undefined) pos = putNum(buf, pos, HeadField.err, h.err);
  if (h.result !== undefined) pos = putNum(buf, pos, HeadField.result, h.result);
  if (h.errMsg !== undefined) pos = putStr(buf, pos, HeadField.errMsg, h.errMsg);
  if (h.caller !== undefined) pos = putName(buf, pos, HeadField.caller, h.caller);
  pos = putName(buf, pos, HeadField.methodName, h.methodName);
  if (h.callerStack !== undefined) pos = putName(buf, pos, HeadField.callerStack, h.callerStack);
  if (h.errCode !== undefined) pos = putName(buf, pos, HeadField.errCode, h.errCode);
  if (h.errStatus !== undefined) pos = putNum(buf, pos, HeadField.errStatus, h.errStatus);
  if (h.errRetryable !== undefined) pos = putNum(buf, pos, HeadField.errRetryable, h.errRetryable ? 1 : 0);
  if (h.errData !== undefined) pos = putStr(buf, pos, HeadField.errData, h.errData);
  if (h.deadlineMs !== undefined) pos = putNum(buf, pos, HeadField.deadlineMs, h.deadlineMs);
  if (h.traceId !== undefined) pos = putStr(buf, pos, HeadField.traceId, h.traceId);
  else if ((h as OutgoingHead).traceNo !== undefined) pos = putId(buf, pos, HeadField.traceId, (h as OutgoingHead).traceNo!);
  if (h.spanId !== undefined) pos = putStr(buf, pos, HeadField.spanId, h.spanId);
  else if ((h as OutgoingHead).spanNo !== undefined) pos = putId(buf, pos, HeadField.spanId, (h as OutgoingHead).spanNo!);
  if (h.parentSpanId !== undefined) pos = putStr(buf, pos, HeadField.parentSpanId, h.parentSpanId);
  if (h.traced !== undefined) pos = putNum(buf, pos, HeadField.traced, h.traced);
  if (h.version !== undefined) pos = putNum(buf, pos, HeadField.version, h.version);
  return pos;
}

/** Encodes a head on its own (the frame encoder writes it in place instead). */
export function encodeHead(head: RpcHead): Buffer {
  const buf = Buffer.allocUnsafe(headSize(head));
  writeHead(head, buf, 0);
  return buf;
}
