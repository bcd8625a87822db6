"""`letta server` and `letta ade`: serve the agent service over the Letta REST API with uvicorn.

The database is `$LETTA_HOME/letta.db`, the same one the embedded `letta` uses.
Without an API key the server only binds loopback addresses unless `--insecure`.
`letta ade` is the same app on 127.0.0.1 (a free port unless `--port`), keyless, with the
ADE's URL printed and opened in the browser; Ctrl-C stops either one.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from collections.abc import Callable

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


def parse_ade_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="letta ade",
        description="Open the ADE (your agents, their memory and conversations, in a browser) over "
        "the local database: serves it on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--port", type=port_number, default=0, help="port (default: a free one)")
    parser.add_argument("--no-browser", action="store_true", help="print the URL only; do not open a browser")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser.parse_args(argv)


def run_ade_command(argv: list[str]) -> int:
    try:
        return _ade(parse_ade_args(argv))
    except KeyboardInterrupt:  # Ctrl-C is how it stops
        return 0
    except Exception as exc:
        from letta_code.cli.failure import report

        return report(exc, "letta ade")


def _ade(args: argparse.Namespace) -> int:
    sock = listen("127.0.0.1", args.port, "letta ade")
    if sock is None:
        return 1

    def announce(url: str, database: str) -> None:
        print(f"ADE: {url}/", flush=True)
        print(f"letta ade: serving {database}; Ctrl-C stops it", file=sys.stderr, flush=True)
        if not args.no_browser:
            open_browser(f"{url}/")

    serve_app(sock, None, args.log_level, announce)
    return 0


def open_browser(url: str) -> bool:
    """Open `url` in the user's browser, if there is a graphical one (False: the URL line must do).

    Only a browser that opens a window of its own: one `webbrowser` starts in the
    background (xdg-open, Firefox, Chrome, ...) or the system's own (macOS, Windows), or
    whatever `$BROWSER` names. A console browser (lynx, w3m; what `webbrowser` finds over
    SSH without a display) would take over the terminal the server logs to. In a thread:
    a `$BROWSER` command may wait until it is closed, and the page needs the server running.
    """
    import threading
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    if not os.environ.get("BROWSER") and not _opens_a_window(browser):
        return False
    threading.Thread(target=browser.open, args=(url,), name="open-browser", daemon=True).start()
    return True


def _opens_a_window(browser: object) -> bool:
    """Whether a browser `webbrowser` chose is a graphical one (not one that runs in the terminal)."""
    import webbrowser

    if isinstance(browser, webbrowser.BackgroundBrowser | webbrowser.Konqueror):
        return True
    if isinstance(browser, webbrowser.UnixBrowser):
        return bool(browser.background)  # Firefox, Chrome, Opera...; not elinks
    system = tuple(
        getattr(webbrowser, name) for name in ("MacOSXOSAScript", "WindowsDefault") if hasattr(webbrowser, name)
    )
    return isinstance(browser, system)  # a GenericBrowser (lynx, w3m, www-browser) is not


def _serve(args: argparse.Namespace) -> int:
    api_key = args.api_key or os.environ.get("LETTA_SERVER_API_KEY") or None
    if not api_key and not is_loopback(args.host) and not args.insecure:
        print(
            f"letta server: refusing to listen on {args.host} without an API key; "
            "pass --api-key KEY (or set LETTA_SERVER_API_KEY), or --insecure to allow it",
            file=sys.stderr,
        )
        return 2
    sock = listen(args.host, args.port, "letta server")
    if sock is None:
        return 1

    def announce(url: str, database: str) -> None:
        print(f"letta server listening on {url} (database {database})", flush=True)
        if not api_key:
            print("letta server: no API key set; anyone who can reach this address can use it", file=sys.stderr)

    serve_app(sock, api_key, args.log_level, announce)
    return 0


def listen(host: str, port: int, prog: str) -> socket.socket | None:
    """A listening socket on `host:port` (0: a free port), or None after one line on stderr."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that
    # say they are TCP, and with Nagle on every answer on a kept-alive connection waits ~40 ms
    # for the client's delayed ACK (headers and body are two writes).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        print(f"{prog}: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        sock.close()
        return None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve_app(sock: socket.socket, api_key: str | None, log_level: str, announce: Callable[[str, str], None]) -> None:
    """Open the service on `$LETTA_HOME/letta.db` and serve the app on `sock` until Ctrl-C.

    `announce(url, database)` runs once the socket is ready (connections wait in its backlog).
    """
    try:
        ping = float(os.environ.get("LETTA_SERVER_PING_INTERVAL") or 5.0)
    except ValueError:
        ping = 5.0

    import uvicorn

    from letta_code.config.paths import database_path
    from letta_code.server.app import create_app
    from letta_code.service.service import AgentService

    service = AgentService(database_path(), os.environ)
    app = create_app(service, api_key, ping_interval=ping if ping > 0 else None)
    host, port = sock.getsockname()[:2]
    announce(f"http://{f'[{host}]' if sock.family == socket.AF_INET6 else host}:{port}", str(database_path()))
    # Open streams end (and runs stop) within a few seconds of Ctrl-C. The next `letta server`
    # on this database resumes the interrupted background runs and fails the others.
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=log_level in ("info", "debug"),
        timeout_graceful_shutdown=3,
    )
    uvicorn.Server(config).run(sockets=[sock])
