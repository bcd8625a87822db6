"""The door checks: loopback Host names without a key, same-origin writes, bounded bodies."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from letta_code.server.app import create_app
from letta_code.server.guards import split_host
from letta_code.service.service import AgentService
from letta_code.testing import ModelServer
from tests.conftest import letta_executable
from tests.server.conftest import API_KEY, ThreadServer
from tests.server.test_process import server_env

SMALL_LIMIT = 10_000


@pytest.fixture(scope="module")
def model() -> Iterator[ModelServer]:
    with ModelServer() as server:
        yield server


@pytest.fixture(scope="module")
def keyless(tmp_path_factory: pytest.TempPathFactory, model: ModelServer) -> Iterator[str]:
    """A keyless server with a small body limit (from the environment, as `letta server` reads it)."""
    env = {**model.env(), "LETTA_SERVER_MAX_BODY_BYTES": str(SMALL_LIMIT)}
    service = AgentService(tmp_path_factory.mktemp("keyless") / "letta.db", env)
    thread = ThreadServer(create_app(service)).start()
    yield f"http://127.0.0.1:{thread.port}"
    thread.stop()


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory, model: ModelServer) -> Iterator[str]:
    service = AgentService(tmp_path_factory.mktemp("keyed") / "letta.db", model.env())
    thread = ThreadServer(create_app(service, API_KEY)).start()
    yield f"http://127.0.0.1:{thread.port}"
    thread.stop()


def one_line_detail(response: httpx.Response) -> str:
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail and "\n" not in detail, response.text
    return detail


def block_labels(url: str, **headers: str) -> list[str]:
    return [b["label"] for b in httpx.get(f"{url}/v1/blocks", headers=headers).json()]


@pytest.mark.parametrize(
    "host", ["evil.example.com", "evil.example.com:8283", "localhost.evil.example.com", "10.0.0.1", "[::2]:80", ""]
)
def test_a_keyless_server_refuses_foreign_host_names(keyless: str, host: str) -> None:
    response = httpx.get(f"{keyless}/v1/agents", headers={"Host": host})
    assert response.status_code == 421
    assert "loopback host names" in one_line_detail(response)
    # and a write through such a name changes nothing
    refused = httpx.post(f"{keyless}/v1/blocks", json={"label": "rebound"}, headers={"Host": host})
    assert refused.status_code == 421 and "rebound" not in block_labels(keyless)


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:{port}", "127.0.0.1", "127.0.0.1:{port}", "[::1]", "[::1]:{port}"]
)
def test_a_keyless_server_answers_loopback_host_names(keyless: str, host: str) -> None:
    port = keyless.rsplit(":", 1)[1]
    response = httpx.get(f"{keyless}/v1/agents", headers={"Host": host.format(port=port)})
    assert response.status_code == 200 and response.json() == []


def test_with_an_api_key_any_host_name_is_answered(keyed: str) -> None:
    auth = {"Authorization": f"Bearer {API_KEY}"}
    assert httpx.get(f"{keyed}/v1/agents", headers={**auth, "Host": "letta.example.com"}).status_code == 200
    # the key still guards it
    assert httpx.get(f"{keyed}/v1/agents", headers={"Host": "letta.example.com"}).status_code == 401


@pytest.mark.parametrize("origin", ["http://evil.example.com", "https://evil.example.com:8443", "null", "file://"])
def test_browser_writes_from_other_origins_are_refused(keyless: str, keyed: str, origin: str) -> None:
    response = httpx.post(f"{keyless}/v1/blocks", json={"label": "csrf"}, headers={"Origin": origin})
    assert response.status_code == 403
    assert "cross-origin" in one_line_detail(response)
    assert "csrf" not in block_labels(keyless)
    auth = {"Authorization": f"Bearer {API_KEY}"}
    assert (
        httpx.post(f"{keyed}/v1/blocks", json={"label": "csrf"}, headers={**auth, "Origin": origin}).status_code == 403
    )
    # reads are not state-changing (and without CORS headers the page cannot read them)
    assert httpx.get(f"{keyless}/v1/blocks", headers={"Origin": origin}).status_code == 200


def test_loopback_origins_same_origin_and_no_origin_pass(keyless: str) -> None:
    port = keyless.rsplit(":", 1)[1]
    for i, headers in enumerate(
        [
            {},
            {"Origin": "http://localhost:3000"},
            {"Origin": "http://127.0.0.1"},
            {"Origin": f"http://127.0.0.1:{port}"},
        ]
    ):
        response = httpx.post(f"{keyless}/v1/blocks", json={"label": f"ok-{i}"}, headers=headers)
        assert response.status_code == 200, response.text
    assert {"ok-0", "ok-1", "ok-2", "ok-3"} <= set(block_labels(keyless))


def oversized(size: int) -> bytes:
    return json.dumps({"label": "big", "value": "x" * size}).encode()


def test_a_body_over_the_limit_is_413_by_its_length(keyless: str) -> None:
    response = httpx.post(
        f"{keyless}/v1/blocks", content=oversized(SMALL_LIMIT), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert f"at most {SMALL_LIMIT} bytes" in one_line_detail(response)
    assert "big" not in block_labels(keyless)


def test_a_chunked_body_over_the_limit_is_413_while_it_streams(keyless: str) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        body = oversized(SMALL_LIMIT * 50)
        for start in range(0, len(body), 1000):
            sent += 1000
            yield body[start : start + 1000]

    response = httpx.post(f"{keyless}/v1/blocks", content=chunks(), headers={"content-type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and f"at most {SMALL_LIMIT}" in one_line_detail(response)
    assert "big" not in block_labels(keyless)


def test_a_body_within_the_limit_is_taken(keyless: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"label": "chunked", '
        yield b'"value": "' + b"y" * (SMALL_LIMIT // 2) + b'"}'

    assert (
        httpx.post(f"{keyless}/v1/blocks", content=chunks(), headers={"content-type": "application/json"}).status_code
        == 200
    )
    assert "chunked" in block_labels(keyless)


def test_the_default_limit_is_4_mib(keyed: str) -> None:
    auth = {"Authorization": f"Bearer {API_KEY}", "content-type": "application/json"}
    big = httpx.post(f"{keyed}/v1/blocks", content=oversized(5 * 1024 * 1024), headers=auth, timeout=30)
    assert big.status_code == 413 and "at most 4194304 bytes" in one_line_detail(big)
    fits = httpx.post(
        f"{keyed}/v1/blocks", json={"label": "fits", "value": "z" * 1_000_000, "limit": 2_000_000}, headers=auth
    )
    assert fits.status_code == 200


def test_host_header_forms() -> None:
    assert split_host("localhost:8283") == ("localhost", "8283")
    assert split_host("[::1]:8283") == ("::1", "8283")
    assert split_host("[::1]") == ("::1", "")
    assert split_host("Example.COM") == ("example.com", "")
    for bad in ("::1", "[::1", "[::1]x", "host:port", ":80", ""):
        assert split_host(bad) is None, bad


@pytest.mark.parametrize("value", ["abc", "0", "-5"])
def test_a_bad_body_limit_setting_stops_letta_server_with_one_line(
    tmp_path: Path, model: ModelServer, value: str
) -> None:
    env = {**server_env(tmp_path, model), "LETTA_SERVER_MAX_BODY_BYTES": value}
    done = subprocess.run(
        [*letta_executable(), "server", "--port", "0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert (
        done.stderr.strip()
        == f"letta server: LETTA_SERVER_MAX_BODY_BYTES must be a positive number of bytes, not {value!r}"
    )


@pytest.mark.slow
def test_the_letta_server_process_guards_its_door(tmp_path: Path, model: ModelServer) -> None:
    """The real keyless `letta server`: rebinding, cross-site writes and big bodies are refused."""
    env = {**server_env(tmp_path, model), "LETTA_SERVER_MAX_BODY_BYTES": "100000"}
    with subprocess.Popen(
        [*letta_executable(), "server", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", proc.stdout.readline())
            assert match, proc.stderr.read() if proc.stderr else ""
            url = match.group(1)
            deadline = time.monotonic() + 15
            while True:
                try:
                    httpx.get(f"{url}/v1/health")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and proc.poll() is None
                    time.sleep(0.05)
            assert httpx.get(f"{url}/v1/agents", headers={"Host": "attacker.example"}).status_code == 421
            assert (
                httpx.post(
                    f"{url}/v1/blocks", json={"label": "x"}, headers={"Origin": "http://attacker.example"}
                ).status_code
                == 403
            )
            big = httpx.post(
                f"{url}/v1/blocks", content=oversized(200_000), headers={"content-type": "application/json"}
            )
            assert big.status_code == 413 and "at most 100000 bytes" in one_line_detail(big)
            assert httpx.get(f"{url}/v1/blocks").json() == []
            assert httpx.post(f"{url}/v1/blocks", json={"label": "x"}).status_code == 200
        finally:
            proc.terminate()
            proc.wait(timeout=10)
