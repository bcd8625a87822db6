"""`letta server`: serve the agent service over the Letta REST API with uvicorn.

The database is `$LETTA_HOME/letta.db`, the same one the embedded `letta` uses.
Without an API key the server only binds loopback addresses unless `--insecure`.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys

DEFAULT_PORT = 8283


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (0-65535)")
    return port


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_server_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="letta server",
        description="Serve Letta Code's agent service over the Letta REST API "
        "(clients: LETTA_BASE_URL=http://HOST:PORT, the official Letta SDKs).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument(
        "--api-key",
        default=None,
        help="require 'Authorization: Bearer KEY' on every route but /v1/health (default: $LETTA_SERVER_API_KEY)",
    )
    parser.add_argument(
        "--insecure", action="store_true", help="allow binding a non-loopback address without an API key"
    )
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser.parse_args(argv)


def run_server_command(argv: list[str]) -> int:
    try:
        return _serve(parse_server_args(argv))
    except Exception as exc:  # a database that cannot be opened, a bad setting: one line
        from letta_code.cli.failure import report

        return report(exc, "letta server")


def _serve(args: argparse.Namespace) -> int:
    api_key = args.api_key or os.environ.get("LETTA_SERVER_API_KEY") or None
    if not api_key and not is_loopback(args.host) and not args.insecure:
        print(
            f"letta server: refusing to listen on {args.host} without an API key; "
            "pass --api-key KEY (or set LETTA_SERVER_API_KEY), or --insecure to allow it",
            file=sys.stderr,
        )
        return 2
    try:
        ping = float(os.environ.get("LETTA_SERVER_PING_INTERVAL") or 5.0)
    except ValueError:
        ping = 5.0
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"letta server: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        sock.close()
        return 1
    sock.listen(128)
    sock.set_inheritable(True)

    import uvicorn

    from letta_code.config.paths import database_path
    from letta_code.server.app import create_app
    from letta_code.service.service import AgentService

    service = AgentService(database_path(), os.environ)
    app = create_app(service, api_key, ping_interval=ping if ping > 0 else None)
    port = sock.getsockname()[1]
    shown = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    print(f"letta server listening on http://{shown}:{port} (database {database_path()})", flush=True)
    if not api_key:
        print("letta server: no API key set; anyone who can reach this address can use it", file=sys.stderr)
    # Open streams end (and runs stop) within a few seconds of Ctrl-C. The next `letta server`
    # on this database resumes the interrupted background runs and fails the others.
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        access_log=args.log_level in ("info", "debug"),
        timeout_graceful_shutdown=3,
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0
