"""What a handler knows about the call it serves, and the head fields a downstream call inherits from it."""

import os
import random
import threading
import time

_current = threading.local()


def new_trace_id() -> str:
    return os.urandom(16).hex()


def new_span_id() -> str:
    return os.urandom(8).hex()


class CallContext:
    """The served call: method, caller, flow id, colouring, trace, call path, deadline and a logger bound to it."""

    def __init__(self, head: dict, service: str, telemetry=None, peer=""):
        self.method = head.get("methodName", "")
        self.caller = head.get("caller")
        self.flow_id = head.get("flowId") or random.getrandbits(53)
        self.coloring = head.get("coloring", 0)
        self.color_id = head.get("colorId", 0)
        self.caller_stack = head.get("callerStack", "")
        self.trace_id = head.get("traceId") or (str(head["flowId"]) if head.get("flowId") else new_trace_id())
        self.span_id = head.get("spanId") or new_span_id()
        self.parent_span_id = head.get("parentSpanId")
        self.traced = head.get("traced")
        self.peer = peer
        deadline_ms = head.get("deadlineMs")
        self.deadline = time.monotonic() + deadline_ms / 1000 if deadline_ms and deadline_ms > 0 else None
        self.service = service
        self._telemetry = telemetry

    def remaining_ms(self):
        """Time budget left in ms, or None when the caller gave no deadline."""
        return None if self.deadline is None else max(0.0, (self.deadline - time.monotonic()) * 1000)

    def log(self, level: str, message: str, /, **fields):
        """A log line of this call (with its trace id); DEBUG and TRACE are kept only for coloured requests."""
        if self._telemetry is None or (level in ("TRACE", "DEBUG") and self.coloring != 1):
            return
        self._telemetry.log(level, message, {"rpc": self.method, "caller": self.caller or "client", **fields},
                            self.trace_id, self.span_id)

    def info(self, message, /, **fields):
        self.log("INFO", message, **fields)

    def error(self, message, /, **fields):
        self.log("ERROR", message, **fields)

    def debug(self, message, /, **fields):
        self.log("DEBUG", message, **fields)


def current():
    """The call the current thread is serving, or None."""
    return getattr(_current, "call", None)


def set_current(call):
    _current.call = call
