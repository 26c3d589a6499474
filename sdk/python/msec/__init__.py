"""MSEC SDK for Python: serve a .proto service on MSEC's wire and call other services by name (sdk/python/README.md)."""

from .client import Client, default_client, set_default_client
from .context import CallContext, current
from .errors import MsecError
from .proto import Field, Message
from .server import Method, RpcServer
from .service import ConfigError, Environment, RunningService, serve

__all__ = ["CallContext", "Client", "ConfigError", "Environment", "Field", "Message", "Method", "MsecError", "RpcServer",
           "RunningService", "current", "default_client", "serve", "set_default_client"]
