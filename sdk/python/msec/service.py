"""serve(): one call that reads the agent's environment, listens, announces the instance live in ZooKeeper and
reports telemetry to NATS, as `serve()` of the TypeScript SDK does (docs/sdk.md, "Services in other languages").
"""

import os
import signal
import socket
import threading

from .client import Client, set_default_client
from .colour import ConsoleSettings
from .nats import NatsPublisher
from .routing import SERVICES_ROOT, Router
from .server import RpcServer
from .telemetry import Telemetry
from .zk import EPHEMERAL, NO_NODE, NODE_EXISTS, ZkClient, ZkError


class ConfigError(ValueError):
    """A bad environment variable; the message names it and the fix."""


def _number(env, key, default, low, high):
    text = env.get(key, "")
    if text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ConfigError(f"{key}: must be a number from {low} to {high}; got {text!r}")
    return value


class Environment:
    """What the agent gives a business process (the same contract as the TypeScript SDK's)."""

    def __init__(self, env=None):
        env = os.environ if env is None else env
        self.service = env.get("MSEC_SERVICE") or None
        self.host = env.get("MSEC_HOST") or "127.0.0.1"
        self.port = int(_number(env, "MSEC_PORT", 0, 0, 65535))
        self.zk_connect = env.get("MSEC_ZK_CONNECT") or None
        self.zk_auth = [a.strip() for a in (env.get("MSEC_ZK_AUTH") or "").split(",") if a.strip()]
        for identity in self.zk_auth:
            if ":" not in identity:
                raise ConfigError("MSEC_ZK_AUTH: give user:password[,user:password]")
        self.nats_url = env.get("MSEC_NATS_URL") or None
        self.nats_creds = env.get("MSEC_NATS_CREDS") or None
        self.nats_tls_ca = env.get("MSEC_NATS_TLS_CA") or None
        self.config_file = env.get("MSEC_CONFIG_FILE") or None
        self.data_dir = env.get("MSEC_DATA_DIR") or ".msec/data"
        self.host_name = env.get("MSEC_HOST_ID") or socket.gethostname()
        self.trace_sample_rate = _number(env, "MSEC_TRACE_SAMPLE_RATE", 0.01, 0, 1)
        self.trace_slow_ms = _number(env, "MSEC_TRACE_SLOW_MS", 1000, 1, 3_600_000)
        self.trace_max_per_second = int(_number(env, "MSEC_TRACE_MAX_PER_SECOND", 100, 0, 1_000_000))


class _Announcement:
    """The instance's ephemeral `live/<ip:port>` znode, made with the ACL of its `live/` folder, re-made on a new session."""

    def __init__(self, zk, service, key):
        self.zk, self.path, self.folder = zk, f"{SERVICES_ROOT}/{service}/live/{key}", f"{SERVICES_ROOT}/{service}/live"
        self.done = threading.Event()
        self.withdrawn = False

    def make(self):
        try:
            acl = self.zk.get_acl(self.folder)
        except ZkError as error:
            if error.code != NO_NODE:
                raise
            # The registry has not created the service yet: try again until it has.
            self._later()
            return
        try:
            self.zk.create(self.path, b"", acl, EPHEMERAL)
        except ZkError as error:
            if error.code != NODE_EXISTS:
                raise
            # A node of an earlier session of this address would vanish at its expiry: replace it with ours.
            self.zk.delete(self.path)
            self.zk.create(self.path, b"", acl, EPHEMERAL)
        self.done.set()

    def _later(self):
        timer = threading.Timer(1.0, self._retry)
        timer.daemon = True
        timer.start()

    def _retry(self):
        if self.withdrawn:
            return
        try:
            self.make()
            self._warned = False
        except (OSError, ZkError) as error:
            # ZooKeeper down or refusing: keep serving (callers that know the address still reach it) and keep trying.
            if not getattr(self, "_warned", False):
                print(f"[msec] cannot announce {self.path} yet ({error}); trying again every second", flush=True)
                self._warned = True
            self._later()

    def withdraw(self):
        self.withdrawn = True
        try:
            self.zk.delete(self.path)
        except (OSError, ZkError):
            pass


class RunningService:
    """A serving process: its address, a client for calls to other services, and stop()."""

    def __init__(self, server, client, telemetry, zk, announcement, settings=None):
        self.server, self.client, self.telemetry, self._settings = server, client, telemetry, settings
        self.host, self.port = server.host, server.port
        self._zk, self._announcement = zk, announcement
        self._stopping = threading.Event()
        self._stopped = threading.Event()

    def stop(self):
        """Graceful stop: withdraw the live znode, finish calls in flight, flush telemetry, close."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        try:
            if self._settings:
                self._settings.close()
            self.server.close(deregister=self._announcement.withdraw if self._announcement else None)
            if self.telemetry:
                self.telemetry.close()
            if self._zk:
                self._zk.close()
        finally:
            self._stopped.set()

    def wait(self):
        """Blocks until the service has stopped (SIGTERM and SIGINT stop it)."""
        while not self._stopped.wait(1.0):
            pass


def serve(services, env=None, handle_signals=True):
    """Serves the generated service bindings (`[echo_service.bind(impl)]`): listens on MSEC_PORT, registers every rpc,
    announces the instance live in ZooKeeper and reports statistics, spans and log lines to NATS."""
    env = env or Environment()
    service = env.service or "Local.python"
    telemetry = None
    if env.nats_url:
        publisher = NatsPublisher(env.nats_url, env.nats_creds, env.nats_tls_ca, name=f"{service}@{env.host_name}")
        telemetry = Telemetry(publisher, service, env.host_name, f"{env.host}:{env.port}")
    zk = ZkClient(env.zk_connect, env.zk_auth) if env.zk_connect else None
    router = Router(zk) if zk else None
    client = Client(service, router, telemetry)
    set_default_client(client)
    server = RpcServer(service, env.host, env.port, telemetry, env.trace_sample_rate, env.trace_slow_ms,
                       max_traces_per_second=env.trace_max_per_second)
    for methods in services if isinstance(services, (list, tuple)) else [services]:
        for method in methods:
            server.handle(method)
    settings = None
    if telemetry:
        telemetry.instance = f"{server.host}:{server.port}"
        settings = ConsoleSettings(telemetry.publisher, service, server.set_sampling)
        server.settings = settings
    server.start()
    announcement = None
    if zk and env.service:
        announcement = _Announcement(zk, env.service, f"{server.host}:{server.port}")
        zk.on_new_session = announcement._retry
        announcement._retry()
    running = RunningService(server, client, telemetry, zk, announcement, settings)
    if handle_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: threading.Thread(target=running.stop).start())
    return running
