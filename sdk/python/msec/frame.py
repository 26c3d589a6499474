"""MSEC's SRPC frame: 0x28 · u32 head length · u32 body length · head (CRpcHead) · body · 0x29 (docs/rpc.md)."""

import struct

from .proto import LEN, VARINT, DecodeError, read_varint, skip_field, write_varint

STX, ETX = 0x28, 0x29
OVERHEAD = 10
MAX_FRAME_BYTES = 4 * 1024 * 1024
HEAD_VERSION = 1

# Field numbers of the head (libs/rpc/proto/rpc-head.proto), by the names the TypeScript runtime uses.
_STRINGS = {42: "errMsg", 50: "caller", 51: "methodName", 60: "callerStack", 70: "errCode", 73: "errData",
            90: "traceId", 91: "spanId", 92: "parentSpanId"}
_NUMBERS = {10: "sequence", 20: "coloring", 21: "colorId", 30: "flowId", 40: "err", 41: "result", 71: "errStatus",
            72: "errRetryable", 80: "deadlineMs", 93: "traced", 100: "version"}
_ORDER = sorted([(n, k, True) for n, k in _STRINGS.items()] + [(n, k, False) for n, k in _NUMBERS.items()])


class FrameError(ValueError):
    """Bytes that are not an MSEC frame; the connection cannot continue."""


def encode_head(head: dict) -> bytes:
    out = bytearray()
    for number, key, is_string in _ORDER:
        v = head.get(key)
        if v is None:
            continue
        if is_string:
            data = v.encode() if isinstance(v, str) else bytes(v)
            write_varint(out, (number << 3) | LEN)
            write_varint(out, len(data))
            out += data
        else:
            write_varint(out, (number << 3) | VARINT)
            write_varint(out, int(v))
    return bytes(out)


def decode_head(data: bytes) -> dict:
    head = {}
    buf, pos, end = memoryview(data), 0, len(data)
    try:
        while pos < end:
            tag, pos = read_varint(buf, pos, end)
            number, wire = tag >> 3, tag & 7
            if number in _STRINGS and wire == LEN:
                n, pos = read_varint(buf, pos, end)
                if pos + n > end:
                    raise DecodeError("string runs past the head")
                head[_STRINGS[number]] = bytes(buf[pos:pos + n]).decode("utf-8", "replace")
                pos += n
            elif number in _NUMBERS and wire == VARINT:
                v, pos = read_varint(buf, pos, end)
                if v >> 63:
                    v -= 1 << 64
                head[_NUMBERS[number]] = bool(v) if number == 72 else v
            else:
                pos = skip_field(buf, pos, end, wire)
    except DecodeError as error:
        raise FrameError(f"bad head: {error}") from None
    if "sequence" not in head:
        raise FrameError("bad head: no sequence")
    return head


def encode_frame(head: dict, body: bytes) -> bytes:
    h = encode_head(head)
    return b"".join((bytes((STX,)), struct.pack(">II", len(h), len(body)), h, body, bytes((ETX,))))


def read_frame(read_exact, first: bytes = b""):
    """Reads one frame with `read_exact(n)` (which raises EOFError at the end); returns (head, body)."""
    start = first + read_exact(9 - len(first))
    if start[0] != STX:
        raise FrameError(f"expected 0x28 at frame start, got 0x{start[0]:02x}")
    hlen, blen = struct.unpack(">II", start[1:9])
    if OVERHEAD + hlen + blen > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {OVERHEAD + hlen + blen} bytes is over the {MAX_FRAME_BYTES} byte limit")
    rest = read_exact(hlen + blen + 1)
    if rest[-1] != ETX:
        raise FrameError("expected 0x29 at frame end")
    return decode_head(rest[:hlen]), rest[hlen:hlen + blen]
