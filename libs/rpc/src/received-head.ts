import { idText } from './ids.js';
import type { RpcHead } from './rpc-head.js';

type Latin1Slicer = { latin1Slice(start: number, end: number): string };

/** The text of bytes [start, end): ASCII (names, ids) is sliced directly, anything else goes through the UTF-8 decoder. */
export function headText(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return buf.toString('utf8', start, end);
  // latin1Slice is Buffer's own fast path behind toString('latin1'); for ASCII bytes it equals UTF-8.
  return (buf as unknown as Latin1Slicer).latin1Slice(start, end);
}

/**
 * A head as the frame decoder reads it. Trace and span ids are needed only by whoever asks (a handler's
 * context, a call listener), so they stay a byte range of the received buffer, which nothing overwrites, and
 * become text on first read. Every field is present (undefined when absent), so all heads share one shape.
 */
export class ReceivedHead implements RpcHead {
  sequence: number;
  methodName: string;
  coloring: number | undefined;
  colorId: number | undefined;
  flowId: number | undefined;
  err: number | undefined;
  result: number | undefined;
  errMsg: string | undefined;
  caller: string | undefined;
  callerStack: string | undefined;
  errCode: string | undefined;
  errStatus: number | undefined;
  errRetryable: boolean | undefined;
  errData: string | undefined;
  deadlineMs: number | undefined;
  traced: number | undefined;
  version: number | undefined;
  /** Where undecoded ids are; undefined once none is left. */
  private src: Buffer | undefined;
  /** Start of the id's bytes, or -1 once it is text (or absent). */
  private traceAt: number;
  private traceEnd: number;
  private spanAt: number;
  private spanEnd: number;
  private parentAt: number;
  private parentEnd: number;
  private trace: string | undefined;
  private span: string | undefined;
  /** Ids this module made for a request that came without them (ids.ts numbers; 0 when none). */
  private traceNo: number;
  private spanNo: number;
  private parent: string | undefined;

  constructor() {
    this.sequence = -1;
    this.methodName = '';
    this.coloring = undefined;
    this.colorId = undefined;
    this.flowId = undefined;
    this.err = undefined;
    this.result = undefined;
    this.errMsg = undefined;
    this.caller = undefined;
    this.callerStack = undefined;
    this.errCode = undefined;
    this.errStatus = undefined;
    this.errRetryable = undefined;
    this.errData = undefined;
    this.deadlineMs = undefined;
    this.traced = undefined;
    this.version = undefined;
    this.src = undefined;
    this.traceAt = this.spanAt = this.parentAt = -1;
    this.traceEnd = this.spanEnd = this.parentEnd = 0;
    this.trace = this.span = this.parent = undefined;
    this.traceNo = this.spanNo = 0;
  }

  /** Whether the head has a trace id, without decoding it. */
  get hasTraceId(): boolean {
    return this.traceAt >= 0 || this.trace !== undefined || this.traceNo !== 0;
  }

  /** Whether the head has a span id, without decoding it. */
  get hasSpanId(): boolean {
    return this.spanAt >= 0 || this.span !== undefined || this.spanNo !== 0;
  }

  /** Gives the request a trace id made here (a number from ids.ts); its text is built only if something reads it. */
  newTraceNo(n: number): void {
    this.traceNo = n;
  }

  /** Gives this call a span id made here, as newTraceNo does. */
  newSpanNo(n: number): void {
    this.spanNo = n;
  }

  /** Records where an id field's bytes are (field 90, 91 or 92); the text is made when it is first read. */
  setIdRange(src: Buffer, which: 0 | 1 | 2, start: number, end: number): void {
    this.src = src;
    if (which === 0) {
      this.traceAt = start;
      this.traceEnd = end;
    } else if (which === 1) {
      this.spanAt = start;
      this.spanEnd = end;
    } else {
      this.parentAt = start;
      this.parentEnd = end;
    }
  }

  get traceId(): string | undefined {
    if (this.traceAt >= 0) {
      this.trace = headText(this.src!, this.traceAt, this.traceEnd);
      this.traceAt = -1;
    } else if (this.traceNo !== 0 && this.trace === undefined) {
      this.trace = idText(this.traceNo);
    }
    return this.trace;
  }

  set traceId(value: string | undefined) {
    this.trace = value;
    this.traceAt = -1;
  }

  get spanId(): string | undefined {
    if (this.spanAt >= 0) {
      this.span = headText(this.src!, this.spanAt, this.spanEnd);
      this.spanAt = -1;
    } else if (this.spanNo !== 0 && this.span === undefined) {
      this.span = idText(this.spanNo);
    }
    return this.span;
  }

  set spanId(value: string | undefined) {
    this.span = value;
    this.spanAt = -1;
  }

  get parentSpanId(): string | undefined {
    if (this.parentAt >= 0) {
      this.parent = headText(this.src!, this.parentAt, this.parentEnd);
      this.parentAt = -1;
    }
    return this.parent;
  }

  set parentSpanId(value: string | undefined) {
    this.parent = value;
    this.parentAt = -1;
  }
}
