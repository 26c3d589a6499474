"""A small NATS client: the NATS text protocol over a socket, authenticated with a .creds file (JWT + nonce signed
with the user's nkey), optionally over TLS. Enough for telemetry and settings: publish (with headers), request/reply
on the identity's own inbox (`_INBOX_<identity name>`), answer PINGs, reconnect.
"""


def _identity_name(jwt):
    try:
        body = jwt.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))).get("name") or ""
    except (IndexError, ValueError):
        return ""

import base64
import json
import os
import socket
import ssl
import threading
import time
from urllib.parse import urlparse

from .nkeys import Creds


def _server_addresses(url: str):
    """Each server of a comma-separated list (a cluster: `nats://a:4222,nats://b:4222`) as (host, port)."""
    addresses = []
    for part in url.split(","):
        part = part.strip()
        if part:
            parsed = urlparse(part if "://" in part else f"nats://{part}")
            addresses.append((parsed.hostname or "127.0.0.1", parsed.port or 4222))
    return addresses or [("127.0.0.1", 4222)]


class NatsPublisher:
    """Publishes to a NATS server (the first of a cluster's list that answers); a lost connection is re-made on the
    next publish, to the next server of the list (messages meanwhile are dropped)."""

    def __init__(self, url: str, creds_file=None, tls_ca=None, name="msec-python"):
        self.servers = _server_addresses(url)
        self._next_server = 0
        self.host, self.port = self.servers[0]
        self.creds = Creds.from_file(creds_file) if creds_file else None
        self.tls_ca, self.name = tls_ca, name
        self._sock = None
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self.last_error = None
        # Replies come to the identity's own inbox: the only one its permissions let it subscribe to.
        name = _identity_name(self.creds.jwt) if self.creds else ""
        self.inbox = f"_INBOX_{name}" if name else "_INBOX"
        self._waiting = {}

    def _connect(self):
        """Tries each server once, starting after the one that failed last."""
        failure = None
        for _ in self.servers:
            self.host, self.port = self.servers[self._next_server % len(self.servers)]
            self._next_server += 1
            try:
                self._connect_to_current()
                return
            except (OSError, ValueError) as error:
                failure = error
        raise failure

    def _connect_to_current(self):
        sock = socket.create_connection((self.host, self.port), timeout=5)
        reader = sock.makefile("rb")
        line = reader.readline()
        if not line.startswith(b"INFO "):
            raise ConnectionError(f"NATS at {self.host}:{self.port} did not greet with INFO")
        info = json.loads(line[5:])
        if info.get("tls_required") or self.tls_ca:
            context = ssl.create_default_context(cafile=self.tls_ca)
            sock = context.wrap_socket(sock, server_hostname=self.host)
            reader = sock.makefile("rb")
        connect = {"verbose": False, "pedantic": False, "lang": "python", "version": "0.1.0", "protocol": 1,
                   "headers": True, "no_responders": True, "name": self.name}
        if self.creds:
            connect["jwt"] = self.creds.jwt
            connect["sig"] = self.creds.sign_nonce(info.get("nonce", ""))
        sock.sendall(b"CONNECT " + json.dumps(connect).encode() + b"\r\nSUB " + self.inbox.encode() + b".* 1\r\nPING\r\n")
        reply = reader.readline()
        if not reply.startswith(b"PONG"):
            sock.close()
            raise ConnectionError(f"NATS refused the connection: {reply.decode(errors='replace').strip()}")
        sock.settimeout(None)
        self._sock = sock
        threading.Thread(target=self._read, args=(sock, reader), daemon=True, name="msec-nats-read").start()

    def _read(self, sock, reader):
        try:
            for line in reader:
                if line.startswith(b"MSG ") or line.startswith(b"HMSG "):
                    parts = line.split()
                    size = int(parts[-1])
                    data = reader.read(size + 2)[:size]
                    if line.startswith(b"HMSG "):
                        data = data[int(parts[-2]):]
                    waiter = self._waiting.pop(parts[1].decode().rsplit(".", 1)[-1], None)
                    if waiter is not None:
                        waiter[1].append(data)
                        waiter[0].set()
                elif line.startswith(b"PING"):
                    with self._lock:
                        sock.sendall(b"PONG\r\n")
                elif line.startswith(b"-ERR"):
                    self.last_error = line.decode(errors="replace").strip()
        except (OSError, ValueError):
            pass
        with self._lock:
            if self._sock is sock:
                self._sock = None

    def publish(self, subject: str, payload: bytes, msg_id=None) -> bool:
        """Sends one message (with a Nats-Msg-Id header when given, for JetStream de-duplication); False when not connected."""
        with self._lock:
            if self._sock is None:
                if time.monotonic() < self._retry_at:
                    return False
                try:
                    self._connect()
                except (OSError, ValueError) as error:
                    self.last_error = str(error)
                    self._retry_at = time.monotonic() + 2
                    return False
            if msg_id:
                headers = f"NATS/1.0\r\nNats-Msg-Id: {msg_id}\r\n\r\n".encode()
                frame = b"HPUB %s %d %d\r\n%s%s\r\n" % (subject.encode(), len(headers), len(headers) + len(payload), headers, payload)
            else:
                frame = b"PUB %s %d\r\n%s\r\n" % (subject.encode(), len(payload), payload)
            try:
                self._sock.sendall(frame)
                return True
            except OSError as error:
                self.last_error = str(error)
                self._sock = None
                return False

    def request(self, subject: str, payload: bytes, timeout_s=2.0):
        """Sends a request and returns the reply's payload, or None when nothing answered in time."""
        token = os.urandom(8).hex()
        waiter = (threading.Event(), [])
        self._waiting[token] = waiter
        with self._lock:
            if self._sock is None:
                try:
                    self._connect()
                except (OSError, ValueError) as error:
                    self.last_error = str(error)
                    self._waiting.pop(token, None)
                    return None
            try:
                self._sock.sendall(b"PUB %s %s.%s %d\r\n%s\r\n" % (subject.encode(), self.inbox.encode(), token.encode(), len(payload), payload))
            except OSError:
                self._sock = None
        got = waiter[0].wait(timeout_s)
        self._waiting.pop(token, None)
        return waiter[1][0] if got else None

    def close(self):
        with self._lock:
            if self._sock is not None:
                try:
                    self._sock.sendall(b"PING\r\n")
                    self._sock.close()
                except OSError:
                    pass
                self._sock = None
