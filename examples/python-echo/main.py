"""Echo.mod_python: echoes messages, and greets users after asking User.mod_user (TypeScript) to check their password.

The agent starts it as `python3 main.py` (msec.json) with MSEC_SERVICE, MSEC_PORT, MSEC_ZK_CONNECT, MSEC_NATS_URL, ...
"""

import sys

import msec
from echo_msec import EchoReply, EchoRequest, GreetReply, GreetRequest, bind_echo_service, echo_serviceHandlers
from user_msec import user_serviceClient

USER_SERVICE = "User.mod_user"


class Echo(echo_serviceHandlers):
    def __init__(self):
        self.users = user_serviceClient(USER_SERVICE)

    def echo(self, request: EchoRequest, ctx: msec.CallContext) -> EchoReply:
        ctx.info("echo", message=request["message"])
        return {"message": request["message"]}

    def greet(self, request: GreetRequest, ctx: msec.CallContext) -> GreetReply:
        ctx.debug("checking password", name=request["name"])  # kept only when the request is coloured
        # Called by name: routed to an instance of User.mod_user with this call's deadline, trace and colour.
        checked = self.users.checkPassword({"name": request["name"], "password": request["password"]})
        ctx.info("greeted", name=request["name"], ok=checked["ok"])
        greeting = f"hello {request['name']}" if checked["ok"] else f"{request['name']}: wrong name or password"
        return {"message": greeting, "passwordOk": checked["ok"]}


if __name__ == "__main__":
    running = msec.serve([bind_echo_service(Echo())])
    print(f"{running.server.service} serving on {running.host}:{running.port}", flush=True)
    running.wait()
    sys.exit(0)
