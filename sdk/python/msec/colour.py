"""Settings the console sets for every service, read from the log service's KV bucket (`msec_log_colour`) every few
seconds: colouring rules (a request whose top-level field equals a rule's value is coloured at the module it enters)
and this service's trace sampling, which overrides MSEC_TRACE_SAMPLE_RATE and MSEC_TRACE_MAX_PER_SECOND.
"""

import base64
import json
import threading
import time

BUCKET = "msec_log_colour"
RULES_KEY = "rules"
SAMPLING_KEY = "trace-sampling"


def _text(value):
    """A value as JavaScript's String() writes it, so rules match the same requests in every language."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ConsoleSettings:
    """Colouring rules and trace sampling, kept current by a background thread."""

    def __init__(self, nats, service, on_sampling=None, interval_s=2.0):
        self.nats, self.service, self.on_sampling, self.interval_s = nats, service, on_sampling, interval_s
        self.rules = []
        self._stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True, name="msec-console-settings").start()

    def _get(self, key):
        reply = self.nats.request(f"$JS.API.STREAM.MSG.GET.KV_{BUCKET}", json.dumps({"last_by_subj": f"$KV.{BUCKET}.{key}"}).encode())
        if reply is None:
            raise TimeoutError("no reply")
        message = json.loads(reply).get("message")
        return base64.b64decode(message.get("data") or "").decode() if message else ""

    def refresh(self):
        try:
            rules = json.loads(self._get(RULES_KEY) or "[]")
            self.rules = [r for r in rules if isinstance(r, dict) and all(isinstance(r.get(k), str) for k in ("id", "field", "value"))] if isinstance(rules, list) else []
        except (TimeoutError, ValueError, AttributeError):
            pass
        if self.on_sampling is None:
            return
        try:
            entry = (json.loads(self._get(SAMPLING_KEY) or "{}").get("services") or {}).get(self.service)
        except (TimeoutError, ValueError, AttributeError):
            return
        rate = entry.get("rate") if isinstance(entry, dict) else None
        cap = entry.get("maxPerSecond") if isinstance(entry, dict) else None
        valid = isinstance(rate, (int, float)) and 0 <= rate <= 1 and isinstance(cap, int) and cap >= 0
        self.on_sampling((rate, cap) if valid else None)

    def matches(self, request) -> bool:
        """True when a rule in force matches a top-level field of the request."""
        if not self.rules or not isinstance(request, dict):
            return False
        now = time.time() * 1000
        for rule in self.rules:
            expires = rule.get("expiresAt")
            if isinstance(expires, (int, float)) and expires <= now:
                continue
            value = request.get(rule["field"])
            if value is not None and _text(value) == rule["value"]:
                return True
        return False

    def _loop(self):
        while True:
            self.refresh()
            if self._stop.wait(self.interval_s):
                return

    def close(self):
        self._stop.set()
