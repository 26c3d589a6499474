"""A small protobuf codec (proto2 and proto3 wire format) driven by field tables, for generated stubs.

Messages are plain dicts keyed by the field names of the .proto, as the TypeScript SDK and HTTP+JSON give them:
64-bit integers are ints, enums their numbers, bytes are `bytes`. Decoding fills absent scalars with their
defaults (0, "", False, b"") and repeated fields with [], as the TypeScript side does.
"""

import struct

VARINT, I64, LEN, I32 = 0, 1, 2, 5

_VARINT_TYPES = {"int32", "int64", "uint32", "uint64", "bool", "enum", "sint32", "sint64"}
_WIRE = {
    **{t: VARINT for t in _VARINT_TYPES},
    "fixed64": I64, "sfixed64": I64, "double": I64,
    "fixed32": I32, "sfixed32": I32, "float": I32,
    "string": LEN, "bytes": LEN, "message": LEN,
}
_DEFAULTS = {"string": "", "bytes": b"", "bool": False, "double": 0.0, "float": 0.0}
_STRUCT = {"fixed64": "<Q", "sfixed64": "<q", "double": "<d", "fixed32": "<I", "sfixed32": "<i", "float": "<f"}


class DecodeError(ValueError):
    """Bytes that are not a valid encoding of the message."""


class Field:
    """One field of a message: name, number, type ('int32', 'string', 'message', …), repeated, and for messages its type."""

    __slots__ = ("name", "number", "type", "repeated", "message", "packed", "implicit")

    def __init__(self, name, number, type_, repeated=False, message=None, packed=False, implicit=False):
        self.name, self.number, self.type, self.repeated, self.message, self.packed = name, number, type_, repeated, message, packed
        # proto3 scalar without presence: its default value is not written.
        self.implicit = implicit


class Message:
    """A message type: its name and fields. `fields` may be filled after creation (messages that refer to each other)."""

    def __init__(self, name, fields=()):
        self.name = name
        self.fields = list(fields)
        self._by_number = None

    def by_number(self):
        if self._by_number is None:
            self._by_number = {f.number: f for f in self.fields}
        return self._by_number

    def encode(self, value: dict) -> bytes:
        out = bytearray()
        _encode_message(self, value or {}, out)
        return bytes(out)

    def decode(self, data: bytes) -> dict:
        return _decode_message(self, memoryview(data), 0, len(data))


def write_varint(out: bytearray, v: int) -> None:
    if v < 0:
        v += 1 << 64
    while v > 0x7F:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)


def read_varint(buf, pos: int, end: int):
    result = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise DecodeError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _encode_scalar(field: Field, v, out: bytearray) -> None:
    t = field.type
    if t in ("sint32", "sint64"):
        write_varint(out, (v << 1) ^ (v >> 63))
    elif t == "bool":
        out.append(1 if v else 0)
    elif t in _VARINT_TYPES:
        write_varint(out, int(v))
    elif t in _STRUCT:
        out += struct.pack(_STRUCT[t], v)
    elif t == "string":
        data = str(v).encode()
        write_varint(out, len(data))
        out += data
    elif t == "bytes":
        data = bytes(v)
        write_varint(out, len(data))
        out += data
    else:  # message
        inner = bytearray()
        _encode_message(field.message, v, inner)
        write_varint(out, len(inner))
        out += inner


def _encode_message(message: Message, value: dict, out: bytearray) -> None:
    for field in message.fields:
        v = value.get(field.name)
        if v is None:
            continue
        wire = _WIRE[field.type]
        if field.repeated:
            if field.packed and wire != LEN:
                if not v:
                    continue
                inner = bytearray()
                for item in v:
                    _encode_scalar(field, item, inner)
                write_varint(out, (field.number << 3) | LEN)
                write_varint(out, len(inner))
                out += inner
            else:
                for item in v:
                    write_varint(out, (field.number << 3) | wire)
                    _encode_scalar(field, item, out)
        else:
            if field.implicit and not v:
                continue
            write_varint(out, (field.number << 3) | wire)
            _encode_scalar(field, v, out)


def _read_scalar(field: Field, buf, pos: int, end: int):
    t = field.type
    if t in _VARINT_TYPES:
        v, pos = read_varint(buf, pos, end)
        if t == "bool":
            return v != 0, pos
        if t in ("int32", "enum"):
            return _signed(v, 32), pos
        if t == "int64":
            return _signed(v, 64), pos
        if t == "uint32":
            return v & 0xFFFFFFFF, pos
        if t in ("sint32", "sint64"):
            return (v >> 1) ^ -(v & 1), pos
        return v, pos
    if t in _STRUCT:
        size = 8 if _WIRE[t] == I64 else 4
        if pos + size > end:
            raise DecodeError(f"truncated {t}")
        return struct.unpack_from(_STRUCT[t], buf, pos)[0], pos + size
    n, pos = read_varint(buf, pos, end)
    if pos + n > end:
        raise DecodeError(f"field {field.name} runs past the message")
    chunk = buf[pos:pos + n]
    if t == "string":
        return bytes(chunk).decode("utf-8", "replace"), pos + n
    if t == "bytes":
        return bytes(chunk), pos + n
    return _decode_message(field.message, buf, pos, pos + n), pos + n


def skip_field(buf, pos: int, end: int, wire: int) -> int:
    if wire == VARINT:
        return read_varint(buf, pos, end)[1]
    if wire == I64:
        pos += 8
    elif wire == I32:
        pos += 4
    elif wire == LEN:
        n, pos = read_varint(buf, pos, end)
        pos += n
    else:
        raise DecodeError(f"unsupported wire type {wire}")
    if pos > end:
        raise DecodeError("field runs past the message")
    return pos


def _decode_message(message: Message, buf, pos: int, end: int) -> dict:
    result = {}
    for field in message.fields:
        if field.repeated:
            result[field.name] = []
        elif field.type != "message":
            result[field.name] = _DEFAULTS.get(field.type, 0)
    fields = message.by_number()
    while pos < end:
        tag, pos = read_varint(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        field = fields.get(number)
        if field is None:
            pos = skip_field(buf, pos, end, wire)
            continue
        if field.repeated and wire == LEN and _WIRE[field.type] != LEN:
            n, pos = read_varint(buf, pos, end)
            stop = pos + n
            while pos < stop:
                v, pos = _read_scalar(field, buf, pos, stop)
                result[field.name].append(v)
            continue
        if wire != _WIRE[field.type]:
            raise DecodeError(f"field {field.name} has wire type {wire}, expected {_WIRE[field.type]}")
        v, pos = _read_scalar(field, buf, pos, end)
        if field.repeated:
            result[field.name].append(v)
        else:
            result[field.name] = v
    return result
