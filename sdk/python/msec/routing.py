"""Routes by service name, with MSEC's rules: the instances configured in ZooKeeper (`/msec/services/<S>/instances`),
routable when enabled and live (`live/<ip:port>`), picked at random by weight; an instance that fails calls in a row
is ejected for a while (1 s, doubling to 30 s) and comes back at a tenth of its weight, climbing to full over 10 s.
"""

import json
import random
import threading
import time

from .zk import NO_NODE, ZkError

SERVICES_ROOT = "/msec/services"
EJECT_AFTER_FAILURES = 3
BASE_EJECT_S, MAX_EJECT_S = 1.0, 30.0
RESUME_RATIO, RECOVERY_S = 0.1, 10.0
REFRESH_S = 2.0


class Route:
    __slots__ = ("ip", "port", "weight", "key")

    def __init__(self, ip, port, weight):
        self.ip, self.port, self.weight, self.key = ip, port, weight, f"{ip}:{port}"


class _Health:
    __slots__ = ("failures", "ejected_until", "ejections", "recovering_since")

    def __init__(self):
        self.failures, self.ejected_until, self.ejections, self.recovering_since = 0, 0.0, 0, None


class Router:
    """Reads a service's routes from ZooKeeper (cached, refreshed every 2 s on use) and picks an instance."""

    def __init__(self, zk):
        self.zk = zk
        self._routes = {}
        self._health = {}
        self._lock = threading.Lock()

    def _load(self, service):
        base = f"{SERVICES_ROOT}/{service}"
        routes = []
        try:
            keys = self.zk.get_children(f"{base}/instances")
        except ZkError as error:
            if error.code == NO_NODE:
                return []
            raise
        try:
            live = set(self.zk.get_children(f"{base}/live"))
        except ZkError as error:
            if error.code != NO_NODE:
                raise
            live = None  # a service without a live folder counts every instance as live
        for key in keys:
            try:
                data = json.loads(self.zk.get_data(f"{base}/instances/{key}") or b"{}")
            except (ZkError, ValueError):
                continue
            if data.get("enabled") is not True or (live is not None and key not in live):
                continue
            weight = min(10_000, max(100, int(data.get("weight", 1000))))
            routes.append(Route(data["ip"], int(data["port"]), weight))
        return routes

    def routes(self, service):
        now = time.monotonic()
        cached = self._routes.get(service)
        if cached is None or now - cached[0] > REFRESH_S:
            try:
                cached = (now, self._load(service))
                self._routes[service] = cached
            except (OSError, ZkError):
                if cached is None:
                    raise
        return cached[1]

    def _effective_weight(self, route, now):
        h = self._health.get(route.key)
        if h is None:
            return route.weight
        if h.ejected_until > now:
            return 0
        if h.recovering_since is not None:
            share = RESUME_RATIO + (1 - RESUME_RATIO) * min(1.0, (now - h.recovering_since) / RECOVERY_S)
            return route.weight * share
        return route.weight

    def pick(self, service, avoid=()):
        """An instance of the service by weight, skipping ejected ones and `avoid` (keys tried already); None when none."""
        now = time.monotonic()
        with self._lock:
            candidates = [(r, self._effective_weight(r, now)) for r in self.routes(service) if r.key not in avoid]
            candidates = [(r, w) for r, w in candidates if w > 0] or [(r, 1) for r, _ in candidates]
        if not candidates:
            return None
        total = sum(w for _, w in candidates)
        x = random.uniform(0, total)
        for route, weight in candidates:
            x -= weight
            if x <= 0:
                return route
        return candidates[-1][0]

    def report(self, route, ok):
        """Counts an outcome: failures in a row eject the instance, a success after an ejection starts its recovery."""
        now = time.monotonic()
        with self._lock:
            h = self._health.setdefault(route.key, _Health())
            if ok:
                if h.ejections and h.recovering_since is None:
                    h.recovering_since = now
                if h.recovering_since is not None and now - h.recovering_since > RECOVERY_S:
                    h.ejections, h.recovering_since = 0, None
                h.failures = 0
                return
            h.failures += 1
            if h.failures >= EJECT_AFTER_FAILURES:
                h.ejected_until = now + min(MAX_EJECT_S, BASE_EJECT_S * 2 ** h.ejections)
                h.ejections += 1
                h.failures = 0
                h.recovering_since = None
