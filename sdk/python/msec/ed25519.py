"""Ed25519 signatures (RFC 8032), for the NATS nonce a connection signs once.

Uses the `cryptography` package when it is installed (fast, constant time); otherwise a pure-Python
implementation of RFC 8032 section 5.1, which is slow (a few milliseconds) but signs only once per connection.
"""

import hashlib

try:  # pragma: no cover - depends on the host
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey as _Native
except ImportError:  # pragma: no cover
    _Native = None

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_GY = 4 * pow(5, _P - 2, _P) % _P


def _recover_x(y, sign):
    xx = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    x = pow(xx, (_P + 3) // 8, _P)
    if (x * x - xx) % _P != 0:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if x & 1 != sign:
        x = _P - x
    return x


_G = (_recover_x(_GY, 0), _GY, 1, _recover_x(_GY, 0) * _GY % _P)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    a_ = (y1 - x1) * (y2 - x2) % _P
    b_ = (y1 + x1) * (y2 + x2) % _P
    c = 2 * t1 * t2 * _D % _P
    d = 2 * z1 * z2 % _P
    e, f, g, h = b_ - a_, d - c, d + c, b_ + a_
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s, point):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, point)
        point = _add(point, point)
        s >>= 1
    return q


def _encode(point):
    x, y, z, _ = point
    zi = pow(z, _P - 2, _P)
    x, y = x * zi % _P, y * zi % _P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def _sha512_int(*parts):
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little")


def _expand(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def public_key(seed: bytes) -> bytes:
    """The 32-byte public key of a 32-byte seed."""
    if _Native is not None:
        from cryptography.hazmat.primitives import serialization

        return _Native.from_private_bytes(seed).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    a, _ = _expand(seed)
    return _encode(_mul(a, _G))


def sign(seed: bytes, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of message by the key of a 32-byte seed."""
    if _Native is not None:
        return _Native.from_private_bytes(seed).sign(message)
    a, prefix = _expand(seed)
    pub = _encode(_mul(a, _G))
    r = _sha512_int(prefix, message) % _L
    big_r = _encode(_mul(r, _G))
    k = _sha512_int(big_r, pub, message) % _L
    s = (r + k * a) % _L
    return big_r + int.to_bytes(s, 32, "little")
