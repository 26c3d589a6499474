"""A small ZooKeeper client (the jute protocol over a socket): session with digest auth, create, delete, getData,
getChildren, getACL and pings. Enough to announce an instance live and read routes; no watches (routes are polled).
"""

import socket
import struct
import threading

NO_NODE, NODE_EXISTS = -101, -110
_CREATE, _DELETE, _GET_DATA, _GET_ACL, _GET_CHILDREN, _PING, _AUTH, _CLOSE = 1, 2, 4, 6, 8, 11, 100, -11
PERSISTENT, EPHEMERAL = 0, 1


class ZkError(Exception):
    def __init__(self, code, path):
        super().__init__(f"ZooKeeper error {code} on {path}")
        self.code, self.path = code, path


def _string(s):
    if s is None:
        return struct.pack(">i", -1)
    data = s.encode() if isinstance(s, str) else bytes(s)
    return struct.pack(">i", len(data)) + data


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def int(self):
        (v,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return v

    def long(self):
        (v,) = struct.unpack_from(">q", self.data, self.pos)
        self.pos += 8
        return v

    def buffer(self):
        n = self.int()
        if n < 0:
            return None
        v = self.data[self.pos:self.pos + n]
        self.pos += n
        return v

    def string(self):
        v = self.buffer()
        return None if v is None else v.decode()


class ZkClient:
    """One session to the first reachable server of `connect` (`host:port,host:port`); re-made when lost."""

    def __init__(self, connect: str, auth=(), session_timeout_ms=10_000, on_new_session=None):
        self.servers = [(h, int(p)) for h, p in (s.rsplit(":", 1) for s in connect.split(",") if s)]
        self.auth = list(auth)
        self.session_timeout_ms = session_timeout_ms
        self.on_new_session = on_new_session
        self._sock = None
        self._xid = 0
        self._lock = threading.RLock()
        self._closed = False
        self._sessions = 0
        threading.Thread(target=self._ping_loop, daemon=True, name="msec-zk-ping").start()

    def _recv(self, n):
        chunks, left = [], n
        while left:
            chunk = self._sock.recv(left)
            if not chunk:
                raise ConnectionError("ZooKeeper closed the connection")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _packet(self):
        (n,) = struct.unpack(">i", self._recv(4))
        return self._recv(n)

    def _send(self, payload):
        self._sock.sendall(struct.pack(">i", len(payload)) + payload)

    def _open(self):
        last = None
        for host, port in self.servers:
            try:
                self._sock = socket.create_connection((host, port), timeout=5)
                self._sessions += 1
                self._send(struct.pack(">iqiq", 0, 0, self.session_timeout_ms, 0) + _string(b"\0" * 16) + b"\0")
                r = _Reader(self._packet())
                r.int()
                self.session_timeout_ms = r.int() or self.session_timeout_ms
                for identity in self.auth:
                    self._send(struct.pack(">ii", -4, _AUTH) + struct.pack(">i", 0) + _string("digest") + _string(identity))
                    reply = _Reader(self._packet())
                    reply.int(), reply.long()
                    err = reply.int()
                    if err != 0:
                        raise ConnectionError(f"ZooKeeper refused the digest identity {identity.split(':')[0]} (error {err})")
                return
            except OSError as error:
                last = error
                self._sock = None
        raise ConnectionError(f"no ZooKeeper server of {self.servers} answered: {last}")

    def _call(self, op, body, path=""):
        with self._lock:
            fresh = False
            if self._sock is None:
                self._open()
                fresh = True
            self._xid = (self._xid + 1) & 0x7FFFFFFF
            xid = -2 if op == _PING else self._xid
            try:
                self._send(struct.pack(">ii", xid, op) + body)
                while True:
                    r = _Reader(self._packet())
                    got = r.int()
                    r.long()
                    err = r.int()
                    if got == xid:
                        break
            except OSError:
                self._drop()
                raise
        if fresh and self._sessions > 1 and self.on_new_session:
            self.on_new_session()
        if err != 0:
            raise ZkError(err, path)
        return r

    def _drop(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None

    def _ping_loop(self):
        import time

        while not self._closed:
            time.sleep(max(0.5, self.session_timeout_ms / 3000))
            if self._sock is not None:
                try:
                    self._call(_PING, b"")
                except (OSError, ZkError):
                    self._drop()
                    # The session is gone: make a new one now so ephemeral announcements come back at once.
                    try:
                        self._call(_PING, b"")
                    except (OSError, ZkError):
                        pass

    def create(self, path, data=b"", acl=None, mode=PERSISTENT):
        acl = acl or [(31, "world", "anyone")]
        body = _string(path) + _string(data) + struct.pack(">i", len(acl))
        for perms, scheme, ident in acl:
            body += struct.pack(">i", perms) + _string(scheme) + _string(ident)
        return self._call(_CREATE, body + struct.pack(">i", mode), path).string()

    def delete(self, path):
        self._call(_DELETE, _string(path) + struct.pack(">i", -1), path)

    def get_data(self, path):
        return self._call(_GET_DATA, _string(path) + b"\0", path).buffer()

    def get_children(self, path):
        r = self._call(_GET_CHILDREN, _string(path) + b"\0", path)
        return [r.string() for _ in range(r.int())]

    def get_acl(self, path):
        r = self._call(_GET_ACL, _string(path), path)
        return [(r.int(), r.string(), r.string()) for _ in range(r.int())]

    def close(self):
        self._closed = True
        with self._lock:
            if self._sock is not None:
                try:
                    self._send(struct.pack(">ii", 0, _CLOSE))
                except OSError:
                    pass
                self._drop()
