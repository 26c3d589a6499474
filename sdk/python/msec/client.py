"""Calls to other services, by name (routed through ZooKeeper) or by address, on the SRPC frame."""

import itertools
import select
import socket
import threading
import time

from . import context as ctxmod
from .errors import MsecError, from_head
from .frame import HEAD_VERSION, FrameError, encode_frame, read_frame

MAX_ATTEMPTS = 3
DEFAULT_TIMEOUT_MS = 1000
_NEVER_RAN = {"RPC_CONNECTION_FAILED", "RPC_OVERLOADED", "RPC_UNAVAILABLE"}
_INSTANCE_FAULTS = _NEVER_RAN | {"RPC_CONNECTION_CLOSED", "RPC_TIMEOUT"}


class _Connection:
    """One TCP connection; calls on it take turns (a caller needing more parallelism gets more connections)."""

    def __init__(self, host, port, timeout_s):
        try:
            self.sock = socket.create_connection((host, port), timeout=min(timeout_s, 3))
        except OSError as error:
            raise MsecError("RPC_CONNECTION_FAILED", f"cannot connect to {host}:{port}: {error}", 503, True) from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.lock = threading.Lock()

    def idle_and_open(self):
        """True when nothing is waiting on the idle socket: a readable idle socket has been closed by the peer."""
        try:
            return not select.select([self.sock], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    def _read_exact(self, n):
        chunks, left = [], n
        while left:
            chunk = self.sock.recv(left)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def call(self, head, body, timeout_s):
        with self.lock:
            self.sock.settimeout(timeout_s)
            try:
                self.sock.sendall(encode_frame(head, body))
                while True:
                    reply, payload = read_frame(self._read_exact)
                    if reply["sequence"] == head["sequence"]:
                        return reply, payload
            except socket.timeout:
                raise MsecError("RPC_TIMEOUT", f"no reply to {head['methodName']} within {timeout_s * 1000:.0f} ms", 504) from None
            except (OSError, EOFError, FrameError) as error:
                raise MsecError("RPC_CONNECTION_CLOSED", f"connection lost during {head['methodName']}: {error!r}", 503) from None


class Client:
    """Calls methods of other services. `router` (a routing.Router) resolves names; `caller` is this service's name."""

    def __init__(self, caller: str, router=None, telemetry=None, timeout_ms=DEFAULT_TIMEOUT_MS):
        self.caller, self.router, self.telemetry, self.timeout_ms = caller, router, telemetry, timeout_ms
        self._pool = {}
        self._pool_lock = threading.Lock()
        self._seq = itertools.count(1)

    def _connection(self, host, port, timeout_s):
        key = (host, port)
        with self._pool_lock:
            idle = self._pool.get(key) or []
            while idle:
                conn = idle.pop()
                # A connection the peer closed while idle (the instance stopped or died) would fail the call after
                # sending it; dropping it here turns that into a fresh connect, which fails before anything ran.
                if conn.idle_and_open():
                    return conn
                conn.sock.close()
        return _Connection(host, port, timeout_s)

    def _release(self, host, port, conn):
        with self._pool_lock:
            self._pool.setdefault((host, port), []).append(conn)

    def _head(self, method, parent, timeout_ms):
        head = {"sequence": next(self._seq) & 0x7FFFFFFF, "methodName": method, "caller": self.caller, "version": HEAD_VERSION,
                "deadlineMs": int(timeout_ms), "spanId": ctxmod.new_span_id()}
        if parent is not None:
            head.update(flowId=parent.flow_id, coloring=parent.coloring, colorId=parent.color_id, traceId=parent.trace_id,
                        parentSpanId=parent.span_id)
            if parent.traced is not None:
                head["traced"] = parent.traced
            head["callerStack"] = f"{parent.caller_stack}->{parent.method}" if parent.caller_stack else parent.method
        else:
            head["traceId"] = ctxmod.new_trace_id()
        return head

    def call_address(self, host, port, method, request_type, response_type, request, timeout_ms=None, parent=None):
        """Calls one instance; returns the decoded response or raises MsecError."""
        parent = parent if parent is not None else ctxmod.current()
        timeout_ms = self._budget(timeout_ms, parent)
        head = self._head(method, parent, timeout_ms)
        return self._once(host, port, head, request_type.encode(request), response_type, timeout_ms)

    def _budget(self, timeout_ms, parent):
        timeout_ms = timeout_ms or self.timeout_ms
        if parent is not None and parent.remaining_ms() is not None:
            timeout_ms = min(timeout_ms, parent.remaining_ms())
        if timeout_ms <= 0:
            raise MsecError("RPC_DEADLINE_EXCEEDED", "the caller's deadline passed before the call could be made", 504)
        return timeout_ms

    def _once(self, host, port, head, body, response_type, timeout_ms):
        conn = self._connection(host, port, timeout_ms / 1000)
        try:
            reply, payload = conn.call(head, body, timeout_ms / 1000)
        except MsecError:
            conn.sock.close()
            raise
        self._release(host, port, conn)
        if reply.get("err"):
            raise from_head(reply)
        try:
            return response_type.decode(payload)
        except ValueError as error:
            raise MsecError("RPC_BAD_RESPONSE", f"the reply to {head['methodName']} does not decode: {error}", 502) from None

    def call(self, service, method, request_type, response_type, request, timeout_ms=None, parent=None, idempotent=False):
        """Calls `method` on an instance of `service` picked by weight; within the deadline and up to 3 instances it
        tries again where that is safe (the request never ran, or it was lost and the method is idempotent)."""
        if self.router is None:
            raise MsecError("RPC_INVALID_OPTION", "calls by service name need ZooKeeper (MSEC_ZK_CONNECT)", 400)
        parent = parent if parent is not None else ctxmod.current()
        started = time.monotonic()
        budget = self._budget(timeout_ms, parent)
        head = self._head(method, parent, budget)
        body = request_type.encode(request)
        tried = []
        short = method.rsplit(".", 1)[-1]
        error = None
        for _ in range(MAX_ATTEMPTS):
            left = budget - (time.monotonic() - started) * 1000
            route = self.router.pick(service, tried)
            if route is None or left <= 0:
                break
            tried.append(route.key)
            head["deadlineMs"] = int(left)
            t0 = time.monotonic()
            try:
                result = self._once(route.ip, route.port, head, body, response_type, left)
                self.router.report(route, True)
                self._record(service, short, None, t0)
                return result
            except MsecError as e:
                error = e
                self.router.report(route, e.code not in _INSTANCE_FAULTS)
                self._record(service, short, e.code, t0)
                if not (e.code in _NEVER_RAN or (idempotent and e.code == "RPC_CONNECTION_CLOSED")):
                    raise
        if error is not None:
            raise error
        raise MsecError("NLB_NO_ROUTE", f"no routable instance of {service} (none enabled and live)", 503, True, {"service": service})

    def _record(self, callee, method, code, t0):
        if self.telemetry is not None:
            self.telemetry.record_call("rpc", self.caller, callee, method, code, (time.monotonic() - t0) * 1000)


_default = [None]


def set_default_client(client):
    """Makes `client` the one generated stubs use when given none (serve() sets its own)."""
    _default[0] = client


def default_client():
    """The client serve() made, or None before serve()."""
    return _default[0]
