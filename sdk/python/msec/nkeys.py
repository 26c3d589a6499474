"""NATS credentials: the user JWT and nkey seed of a .creds file, and the nonce signature of CONNECT."""

import base64
import re

from . import ed25519

_JWT = re.compile(r"-----BEGIN NATS USER JWT-----\s*(\S+)\s*------END NATS USER JWT------")
_SEED = re.compile(r"-----BEGIN USER NKEY SEED-----\s*(\S+)\s*------END USER NKEY SEED------")


class CredsError(ValueError):
    """A .creds file that cannot be used; the message names the file and what is wrong."""


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def decode_seed(seed: str) -> bytes:
    """The 32 raw bytes of an nkey seed (`SU…`), checksum verified."""
    text = seed.strip()
    raw = base64.b32decode(text + "=" * (-len(text) % 8))
    body, checksum = raw[:-2], raw[-2:]
    if _crc16(body) != int.from_bytes(checksum, "little"):
        raise CredsError("the nkey seed's checksum does not match")
    if len(body) != 34 or (body[0] >> 3) != 18:
        raise CredsError("not an nkey seed (it must start with S)")
    return body[2:]


class Creds:
    """A user JWT and the seed that signs for it."""

    def __init__(self, jwt: str, seed: bytes):
        self.jwt = jwt
        self._seed = seed

    @classmethod
    def from_file(cls, path: str) -> "Creds":
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as error:
            raise CredsError(f"MSEC_NATS_CREDS: cannot read {path}: {error}") from None
        jwt, seed = _JWT.search(text), _SEED.search(text)
        if not jwt or not seed:
            raise CredsError(f"MSEC_NATS_CREDS: {path} is not a NATS .creds file (no user JWT or nkey seed)")
        return cls(jwt.group(1), decode_seed(seed.group(1)))

    def sign_nonce(self, nonce: str) -> str:
        """The CONNECT `sig`: the nonce signed with the seed, base64url without padding."""
        signature = ed25519.sign(self._seed, nonce.encode())
        return base64.urlsafe_b64encode(signature).decode().rstrip("=")
