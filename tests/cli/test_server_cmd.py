"""`cli/server_cmd.py`'s listening socket: what `letta server` and `letta ade` serve on."""

from __future__ import annotations

import asyncio
import socket

import pytest

from letta_code.cli.server_cmd import listen


def test_connections_on_the_listening_socket_have_nagle_off() -> None:
    """Without TCP_NODELAY every answer on a kept-alive connection waits ~40 ms for the client's
    delayed ACK; asyncio sets it only on sockets that say they are TCP."""
    sock = listen("127.0.0.1", 0, "letta server")
    assert sock is not None
    accepted: list[int] = []

    async def main() -> None:
        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            for _ in range(100):
                if accepted:
                    break
                await asyncio.sleep(0.01)
            writer.close()
            await writer.wait_closed()

    asyncio.run(main())
    assert accepted and accepted[0] != 0


def test_a_busy_port_is_one_line_and_no_socket(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert listen("127.0.0.1", port, "letta server") is None
    err = capsys.readouterr().err
    assert err.startswith(f"letta server: cannot listen on 127.0.0.1:{port}: ") and err.count("\n") == 1
