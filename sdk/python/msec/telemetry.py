"""Per-minute statistics, log lines and spans, published to NATS as the TypeScript SDK publishes them
(docs/monitoring.md, docs/logs.md): StatsBatch to `msec.telemetry.stats.<partition>.<service>`, arrays of LogLine
to `msec.log.ingest.lines` and of SpanRecord to `msec.log.ingest.spans`, each with a Nats-Msg-Id.
"""

import json
import os
import threading
import time
import uuid

LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
MONITOR_PARTITIONS = 16
LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_TAG = os.urandom(4).hex()
_counter = [0]


def service_hash(service: str) -> int:
    """FNV-1a over the UTF-16 code units, as libs/contracts computes it."""
    h = 0x811C9DC5
    for ch in service.encode("utf-16-le").decode("utf-16-le"):
        h ^= ord(ch) & 0xFFFF
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def stats_subject(service: str) -> str:
    return f"msec.telemetry.stats.{service_hash(service) % MONITOR_PARTITIONS}.{service}"


def new_line_id(now_ms: int) -> str:
    _counter[0] = (_counter[0] + 1) & 0xFFFFFF
    return f"{now_ms:012x}{_TAG}{_counter[0]:06x}"


def _bucket(ms: float) -> int:
    for i, upper in enumerate(LATENCY_BUCKETS_MS):
        if ms < upper:
            return i
    return len(LATENCY_BUCKETS_MS)


class Telemetry:
    """Collects and publishes one process's telemetry; every method is cheap and never raises."""

    def __init__(self, publisher, service: str, host: str, instance: str, stats_flush_s=5.0):
        self.publisher, self.service, self.host, self.instance = publisher, service, host, instance
        self._cells = {}
        self._lines, self._spans = [], []
        self._lock = threading.Lock()
        self._seq = 0
        self._nonce = uuid.uuid4().hex[:12]
        self._stats_flush_s = stats_flush_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="msec-telemetry")
        self._thread.start()

    def add(self, attr: str, value: float = 1, minute=None):
        """`monitor.add`: sums value into the attribute's cell of this minute."""
        minute = minute if minute is not None else int(time.time() // 60)
        with self._lock:
            key = (attr, minute)
            self._cells[key] = self._cells.get(key, 0) + value

    def record_call(self, prefix: str, caller: str, callee: str, method: str, code, latency_ms: float):
        """One finished call: `<prefix>|caller|callee|method|requests`, `fail|<code>` and `lat|<bucket>`."""
        base = f"{prefix}|{caller.replace('|', '_')[:128]}|{callee}|{method}|"
        minute = int(time.time() // 60)
        self.add(base + "requests", 1, minute)
        if code:
            self.add(base + f"fail|{code}", 1, minute)
        self.add(base + f"lat|{_bucket(latency_ms)}", 1, minute)

    def log(self, level: str, message: str, fields=None, trace_id=None, span_id=None):
        now = int(time.time() * 1000)
        line = {"id": new_line_id(now), "ts": now, "level": level, "service": self.service, "host": self.host,
                "instance": self.instance, "message": message,
                "fields": {k: v if isinstance(v, (str, int, float, bool)) else str(v) for k, v in (fields or {}).items()}}
        if trace_id:
            line["traceId"] = trace_id
        if span_id:
            line["spanId"] = span_id
        with self._lock:
            if len(self._lines) < 10_000:
                self._lines.append(line)

    def span(self, record: dict):
        with self._lock:
            if len(self._spans) < 10_000:
                self._spans.append(record)

    def _publish_records(self, subject, records):
        """Publishes in chunks; returns the records not sent (NATS unreachable), to be tried again."""
        for start in range(0, len(records), 200):
            chunk = records[start:start + 200]
            # The id depends only on the records, so a chunk sent again after a lost connection is stored once.
            ids = ",".join(r.get("id") or r.get("spanId", "") for r in chunk)
            msg_id = f"{self._nonce}-{uuid.uuid5(uuid.NAMESPACE_OID, ids).hex}"
            if not self.publisher.publish(subject, json.dumps(chunk).encode(), msg_id):
                return records[start:]
        return []

    def _requeue(self, lines, spans, cells):
        """Keeps what could not be sent for the next flush, within the same bounds as new records."""
        with self._lock:
            self._lines = (lines + self._lines)[-10_000:]
            self._spans = (spans + self._spans)[-10_000:]
            for key, value in cells.items():
                self._cells[key] = self._cells.get(key, 0) + value

    def flush(self, stats=True):
        with self._lock:
            lines, self._lines = self._lines, []
            spans, self._spans = self._spans, []
            cells = {}
            if stats:
                cells, self._cells = self._cells, {}
        lines = self._publish_records("msec.log.ingest.lines", lines) if lines else []
        spans = self._publish_records("msec.log.ingest.spans", spans) if spans else []
        if cells:
            self._seq += 1
            items = [[attr, minute, "sum", value, int(value)] for (attr, minute), value in cells.items()]
            batch = {"v": 1, "service": self.service, "host": self.host, "instance": self.instance,
                     "sentAt": int(time.time() * 1000), "dropped": 0, "items": items}
            msg_id = f"{self.service}/{self.host}/{self.instance}/{self._nonce}/{self._seq}"
            if self.publisher.publish(stats_subject(self.service), json.dumps(batch).encode(), msg_id):
                cells = {}
        if lines or spans or cells:
            self._requeue(lines, spans, cells)

    def _loop(self):
        last_stats = time.monotonic()
        while not self._stop.wait(0.5):
            now = time.monotonic()
            due = now - last_stats >= self._stats_flush_s
            if due:
                last_stats = now
            try:
                self.flush(stats=due)
            except Exception:  # telemetry must never take the service down
                pass

    def close(self):
        self._stop.set()
        self.flush()
        self.publisher.close()
