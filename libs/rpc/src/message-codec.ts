import type protobuf from 'protobufjs';

/** Turns one message type into bytes and back, and to and from JSON for the HTTP+JSON form. */
export interface MessageCodec<T> {
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /** Builds a message from parsed JSON (HTTP+JSON requests). */
  fromJson(value: unknown): T;
  /** Plain JSON form of a message (HTTP+JSON replies). */
  toJson(message: T): unknown;
}

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
  return {
    encode: (message) => type.encode(message as Record<string, unknown>).finish(),
    decode: (bytes) => (convert ? type.toObject(type.decode(bytes), { longs: Number, defaults: true }) : type.decode(bytes)) as T,
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
