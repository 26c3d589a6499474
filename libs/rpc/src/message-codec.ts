import protobuf from 'protobufjs';

/** Turns one message type into bytes and back, and to and from JSON for the HTTP+JSON form. */
export interface MessageCodec<T> {
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /** Builds a message from parsed JSON (HTTP+JSON requests). */
  fromJson(value: unknown): T;
  /** Plain JSON form of a message (HTTP+JSON replies). */
  toJson(message: T): unknown;
  /** Optional fast path: bytes valid only until this codec's next call (the RPC layer copies them out at once). */
  encodeTransient?(message: T): Uint8Array;
  /** Optional fast path: decodes bytes [start, end) of `bytes` without making a view of them first. */
  decodeRange?(bytes: Uint8Array, start: number, end: number): T;
  /** Optional fast path: encodes into a buffer the codec keeps and says where (no view made); valid until its next call. */
  encodeShared?(message: T, into: EncodedBody): void;
}

/** An encoded message: bytes [0, length) of `bytes`. */
export interface EncodedBody {
  bytes: Uint8Array;
  length: number;
}

/** Filled by encodeShared and copied into the frame at once, so one object serves every call; it only ever names a codec's own writer. */
const sharedBody: EncodedBody = { bytes: new Uint8Array(0), length: 0 };

/**
 * Encodes for an immediate copy into a frame, by the cheapest form the codec has. The result may be shared:
 * read it before encoding anything else.
 */
export function encodeForFrame<T>(codec: MessageCodec<T>, message: T): EncodedBody {
  if (codec.encodeShared !== undefined) {
    codec.encodeShared(message, sharedBody);
    return sharedBody;
  }
  const bytes = codec.encodeTransient === undefined ? codec.encode(message) : codec.encodeTransient(message);
  return { bytes, length: bytes.length };
}

/** Decodes bytes [start, end) of a received frame. */
export function decodeFromFrame<T>(codec: MessageCodec<T>, bytes: Buffer, start: number, end: number): T {
  return codec.decodeRange === undefined ? codec.decode(bytes.subarray(start, end)) : codec.decodeRange(bytes, start, end);
}

/** A writer kept by a codec between encodes; dropped when one large message has grown it past this. */
const MAX_KEPT_WRITER_BYTES = 64 * 1024;

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** True when a type (or a nested message type) has a 64-bit field, which protobufjs decodes as a Long object. */
function hasLongField(type: protobuf.Type, seen = new Set<protobuf.Type>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  return type.fieldsArray.some((f) => {
    f.resolve();
    return LONG_TYPES.has(f.type) || (f.resolvedType !== null && 'fieldsArray' in f.resolvedType && hasLongField(f.resolvedType, seen));
  });
}

/**
 * A codec for a protobufjs message type (loaded from a .proto or built with reflection). Decoded messages are
 * plain objects; 64-bit integers come out as numbers.
 */
export function protobufCodec<T extends object>(type: protobuf.Type): MessageCodec<T> {
  const toObjectOptions = { longs: String, enums: String, bytes: String, defaults: true };
  // Decoded message instances already read like plain objects; converting costs only where Longs must become numbers.
  const convert = hasLongField(type);
  const fromReader = (reader: protobuf.Reader): T =>
    (convert ? type.toObject(type.decode(reader), { longs: Number, defaults: true }) : type.decode(reader)) as T;
  let writer = protobuf.Writer.create();
  return {
    encode: (message) => type.encode(message as Record<string, unknown>).finish(),
    decode: (bytes) => fromReader(protobuf.Reader.create(bytes)),
    encodeTransient: (message) => {
      if (writer.buf.length > MAX_KEPT_WRITER_BYTES) writer = protobuf.Writer.create();
      writer.pos = 0;
      try {
        // A view of the writer's own buffer, overwritten by the next encode.
        return type.encode(message as Record<string, unknown>, writer).finish(true);
      } catch (error) {
        writer = protobuf.Writer.create();
        throw error;
      }
    },
    encodeShared: (message, into) => {
      if (writer.buf.length > MAX_KEPT_WRITER_BYTES) writer = protobuf.Writer.create();
      writer.pos = 0;
      try {
        type.encode(message as Record<string, unknown>, writer);
      } catch (error) {
        writer = protobuf.Writer.create();
        throw error;
      }
      into.bytes = writer.buf;
      into.length = writer.pos;
    },
    decodeRange: (bytes, start, end) => {
      const reader = protobuf.Reader.create(bytes);
      reader.pos = start;
      reader.len = end;
      return fromReader(reader);
    },
    fromJson: (value) =>
      type.toObject(type.fromObject(value as Record<string, unknown>), { longs: Number, enums: Number, defaults: true }) as T,
    toJson: (message) => type.toObject(type.fromObject(message as Record<string, unknown>), toObjectOptions),
  };
}

/** A codec that sends UTF-8 JSON bodies: for tests, tools and peers without an IDL. */
export function jsonCodec<T>(): MessageCodec<T> {
  return {
    encode: (message) => Buffer.from(JSON.stringify(message ?? null)),
    decode: (bytes) =>
      bytes.length === 0 ? (undefined as T) : (JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) as T),
    fromJson: (value) => value as T,
    toJson: (message) => message,
  };
}

/** A codec that passes raw bytes through untouched. */
export function rawCodec(): MessageCodec<Uint8Array> {
  return {
    encode: (message) => message,
    decode: (bytes) => bytes,
    fromJson: (value) => Buffer.from(String(value), 'base64'),
    toJson: (message) => Buffer.from(message).toString('base64'),
  };
}
