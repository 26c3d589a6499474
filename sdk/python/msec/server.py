"""Serves methods on MSEC's wire: SRPC frames and, on the same port, HTTP+JSON (`POST /?methodName=…`).

One thread per connection reads frames; handlers run on a pool, so many calls of one connection are in flight at
once and replies go back as they finish (matched by sequence).
"""

import base64
import json
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlparse

from . import context as ctxmod
from .errors import MsecError, bad_request, head_fields, method_not_found, payload
from .frame import STX, FrameError, encode_frame, read_frame

_MAX_HTTP_BODY = 4 * 1024 * 1024
# As the TypeScript server: above this many calls in flight a connection is not read until some finish, and a call
# queued longer than OVERLOAD_QUEUE_S is answered RPC_OVERLOADED without running (callers retry another instance).
MAX_IN_FLIGHT_PER_CONNECTION = 1000
OVERLOAD_QUEUE_S = 0.8


class Method:
    """One served rpc: its full name, request and response message types, the handler and whether it is idempotent."""

    def __init__(self, name, request_type, response_type, handler, idempotent=False):
        self.name, self.request_type, self.response_type, self.handler, self.idempotent = (
            name, request_type, response_type, handler, idempotent)


def _json_default(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON")


class _TraceBudget:
    """At most `per_second` new traces started here per second (MSEC_TRACE_MAX_PER_SECOND), as a token bucket."""

    def __init__(self, per_second):
        self.per_second, self.tokens, self.at = per_second, float(per_second), time.monotonic()
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.per_second, self.tokens + (now - self.at) * self.per_second)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class RpcServer:
    """Listens on host:port and answers the registered methods. `on_call(ctx, method, code, latency_ms)` sees each call."""

    def __init__(self, service, host="127.0.0.1", port=0, telemetry=None, sample_rate=0.01, slow_ms=1000, workers=64,
                 max_traces_per_second=100):
        self.service, self.telemetry, self.sample_rate, self.slow_ms = service, telemetry, sample_rate, slow_ms
        self._sampler = _TraceBudget(max_traces_per_second)
        self._env_sampling = (sample_rate, max_traces_per_second)
        # Colouring rules set in the console (msec.colour.ConsoleSettings), when connected to NATS.
        self.settings = None
        self.methods = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="msec-rpc")
        self._listener = socket.create_server((host, port), reuse_port=False)
        self.host, self.port = host, self._listener.getsockname()[1]
        self._stopping = False
        self._inflight = 0
        self._inflight_lock = threading.Condition()

    def set_sampling(self, setting):
        """Trace sampling set in the console, (rate, max per second), or None to go back to the environment's."""
        rate, cap = setting if setting is not None else self._env_sampling
        self.sample_rate = rate
        if cap != self._sampler.per_second:
            self._sampler = _TraceBudget(cap)

    def handle(self, method: Method):
        if method.name in self.methods:
            raise MsecError("RPC_METHOD_ALREADY_REGISTERED", f"{method.name} is registered twice", 409)
        self.methods[method.name] = method

    def start(self):
        threading.Thread(target=self._accept, daemon=True, name="msec-rpc-accept").start()

    def _accept(self):
        while not self._stopping:
            try:
                conn, peer = self._listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve_connection, args=(conn, f"{peer[0]}:{peer[1]}"), daemon=True).start()

    def _serve_connection(self, conn, peer):
        reader = conn.makefile("rb")

        def read_exact(n):
            data = reader.read(n)
            if len(data) < n:
                raise EOFError
            return data

        write_lock = threading.Lock()
        slots = threading.BoundedSemaphore(MAX_IN_FLIGHT_PER_CONNECTION)
        try:
            first = reader.read(1)
            if not first:
                return
            if first[0] != STX:
                self._serve_http(conn, reader, first, peer)
                return
            while True:
                head, body = read_frame(read_exact, first)
                first = b""
                slots.acquire()
                self._pool.submit(self._answer_frame, conn, write_lock, head, body, peer, time.monotonic(), slots)
        except FrameError as error:
            print(f"[msec] closing {peer}: {error}", flush=True)
        except (EOFError, OSError, RuntimeError):  # RuntimeError: the pool is shut down (stopping)
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _run(self, head, request_bytes=None, request_obj=None, peer="", queued_at=None):
        """Runs one call; returns (head fields, response message dict or None, error or None)."""
        ctx = ctxmod.CallContext(head, self.service, self.telemetry, peer)
        if ctx.traced is None:
            sampled = random.random() < self.sample_rate and self._sampler.take()
            ctx.traced = 1 if ctx.coloring == 1 or sampled else 0
        started = time.monotonic()
        method = self.methods.get(ctx.method)
        response, error = None, None
        with self._inflight_lock:
            self._inflight += 1
        try:
            if self._stopping:
                raise MsecError("RPC_UNAVAILABLE", f"{self.service} is stopping; the call did not run", 503, True)
            if queued_at is not None and started - queued_at > OVERLOAD_QUEUE_S:
                raise MsecError("RPC_OVERLOADED", f"{self.service} queued the call over {OVERLOAD_QUEUE_S * 1000:.0f} ms; it did not run",
                                503, True)
            if method is None:
                raise method_not_found(ctx.method)
            if ctx.deadline is not None and ctx.remaining_ms() <= 0:
                raise MsecError("RPC_DEADLINE_EXCEEDED", "the caller's deadline passed before the call could run", 504)
            try:
                request = (method.request_type.decode(request_bytes) if request_bytes is not None
                           else method.request_type.decode(method.request_type.encode(request_obj)))
            except (ValueError, TypeError, AttributeError, KeyError) as e:
                raise bad_request(f"the request of {ctx.method} does not decode: {e}") from None
            if ctx.coloring != 1 and self.settings is not None and self.settings.matches(request):
                # Coloured here, at the module the request entered: the flag travels to every module downstream.
                ctx.coloring, ctx.traced = 1, 1
            ctxmod.set_current(ctx)
            try:
                response = method.handler(request, ctx) or {}
            finally:
                ctxmod.set_current(None)
        except MsecError as e:
            error = e
        except Exception as e:  # a handler bug: logged in full here, a generic INTERNAL to the caller
            print(f"[msec] {ctx.method} failed: {e!r}", flush=True)
            error = MsecError("INTERNAL", "internal error", 500)
        finally:
            with self._inflight_lock:
                self._inflight -= 1
                self._inflight_lock.notify_all()
        self._report(ctx, error, (time.monotonic() - started) * 1000)
        return ctx, response, error

    def _report(self, ctx, error, latency_ms):
        t = self.telemetry
        if t is None:
            return
        code = error.code if error else None
        short = ctx.method.rsplit(".", 1)[-1]
        t.record_call("rpcin", ctx.caller or f"unknown@{ctx.peer.rsplit(':', 1)[0]}", self.service, short, code, latency_ms)
        if ctx.traced == 1 or error is not None or latency_ms >= self.slow_ms:
            span = {"traceId": ctx.trace_id, "spanId": ctx.span_id, "caller": ctx.caller or "client", "callee": self.service,
                    "method": ctx.method, "start": int(time.time() * 1000 - latency_ms), "duration": latency_ms,
                    "status": "error" if error else "ok", "host": t.host}
            if ctx.parent_span_id:
                span["parentSpanId"] = ctx.parent_span_id
            if error:
                span["errorCode"] = error.code
            t.span(span)

    def _answer_frame(self, conn, write_lock, head, body, peer, queued_at, slots):
        try:
            self._answer(conn, write_lock, head, body, peer, queued_at)
        finally:
            slots.release()

    def _answer(self, conn, write_lock, head, body, peer, queued_at):
        ctx, response, error = self._run(head, request_bytes=body, peer=peer, queued_at=queued_at)
        reply = {"sequence": head["sequence"], "methodName": ctx.method, "flowId": ctx.flow_id, "version": 1}
        out = b""
        if error is None:
            try:
                out = self.methods[ctx.method].response_type.encode(response)
            except (ValueError, TypeError, AttributeError) as e:
                print(f"[msec] {ctx.method} returned a response that does not encode: {e!r}", flush=True)
                error = MsecError("INTERNAL", "internal error", 500)
        if error is not None:
            reply.update(head_fields(error))
            out = b""
        try:
            with write_lock:
                conn.sendall(encode_frame(reply, out))
        except OSError:
            pass

    def _serve_http(self, conn, reader, first, peer):
        while True:
            line = first + reader.readline(65536)
            first = b""
            if not line.strip():
                return
            parts = line.decode("latin-1").split()
            headers = {}
            while True:
                h = reader.readline(65536)
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            if headers.get("expect", "").lower() == "100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                length = int(headers.get("content-length", "0") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= _MAX_HTTP_BODY:
                error = bad_request(f"content-length must be a number up to {_MAX_HTTP_BODY} bytes")
                data = json.dumps({"ret": head_fields(error)["err"], "errmsg": error.message, "error": payload(error)}).encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(data), data))
                return
            body = reader.read(length) if length else b""
            result = self._http_call(parts, body, peer)
            data = json.dumps(result, default=_json_default).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(data), data))
            if headers.get("connection", "").lower() == "close" or (len(parts) > 2 and parts[2] == "HTTP/1.0"):
                return

    def _http_call(self, parts, body, peer):
        method_name = ""
        if len(parts) >= 2:
            method_name = (parse_qs(urlparse(parts[1]).query).get("methodName") or [""])[0]
        head = {"sequence": 0, "methodName": method_name}
        try:
            if len(parts) < 2 or parts[0] != "POST" or not method_name:
                raise bad_request("use POST /?methodName=pkg.Service.Method with a JSON body")
            try:
                request = json.loads(body or b"{}")
            except ValueError as e:
                raise bad_request(f"the body is not JSON: {e}") from None
            if not isinstance(request, dict):
                raise bad_request("the body must be a JSON object")
        except MsecError as e:
            return {"ret": head_fields(e)["err"], "errmsg": e.message, "error": payload(e)}
        ctx, response, error = self._run(head, request_obj=request, peer=peer)
        if error is not None:
            return {"ret": head_fields(error)["err"], "errmsg": error.message, "error": payload(error), "traceId": ctx.trace_id}
        return {"ret": 0, "errmsg": "", "resultObj": response, "traceId": ctx.trace_id}

    def close(self, grace_s=2.0, deregister=None):
        """Graceful stop: withdraw the announcement, stop accepting, answer new calls RPC_UNAVAILABLE, let running
        calls finish for up to grace_s."""
        if deregister:
            deregister()
        self._stopping = True
        try:
            self._listener.close()
        except OSError:
            pass
        deadline = time.monotonic() + grace_s
        with self._inflight_lock:
            while self._inflight > 0 and time.monotonic() < deadline:
                self._inflight_lock.wait(0.05)
        self._pool.shutdown(wait=False)
