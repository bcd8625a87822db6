"""Scenarios 4 and 5: our `letta server` alone, driven over the Letta REST API with httpx.

4. Agent steps per second and per-step latency (p50/p99) with 1, 20 and 100 conversations
   sending messages at once. The fake model answers each request at once with a short text,
   so one message is one agent step and its latency is the server's overhead plus one local
   round trip to the fake model (measured alone and reported beside it).
5. A 1,000-turn session in one conversation: the server's RSS at turns 10, 100 and 1,000.

The official CLI has no counterpart here: its `letta server` runs a remote computer,
channels or its App Server, not a Letta REST API for agents.
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.common import FakeModel, _ServerProcess, clean_env

Log = Callable[[str], None]
LEVELS = (1, 20, 100)
PER_CONVERSATION = 10  # messages per conversation in the load test
MODEL = "openai/gpt-4.1"
TICKS = os.sysconf("SC_CLK_TCK")


class LettaServer(_ServerProcess):
    """`letta server --port 0` with its own LETTA_HOME, talking to the fake model."""

    def __init__(self, letta: Path, home: Path, model: FakeModel) -> None:
        env = clean_env({**model.env(), "HOME": str(home), "LETTA_HOME": str(home / ".letta")})
        self._start([str(letta), "server", "--port", "0", "--log-level", "warning"], env=env, timeout=60)


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def proc_rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a live process in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, amount = line.split(":", 1)
            values[key] = int(amount.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[index]


async def send(client: httpx.AsyncClient, conv_id: str, text: str) -> float:
    """One user message over SSE, read to `[DONE]`; its latency in seconds."""
    body = {"messages": [{"role": "user", "content": text}], "streaming": True}
    start = time.perf_counter()
    stop_reason = None
    async with client.stream("POST", f"/v1/conversations/{conv_id}/messages", json=body) as resp:
        if resp.status_code != 200:
            await resp.aread()
            raise RuntimeError(f"POST messages: {resp.status_code} {resp.text[:300]}")
        async for line in resp.aiter_lines():
            if line.startswith("event: error"):
                raise RuntimeError(f"error event in the stream of {conv_id}")
            if '"stop_reason"' in line and '"message_type":"stop_reason"' in line.replace(" ", ""):
                stop_reason = line
            if line.strip() == "data: [DONE]":
                break
    if stop_reason is None or "end_turn" not in stop_reason:
        raise RuntimeError(f"run of {conv_id} ended without end_turn: {stop_reason}")
    return time.perf_counter() - start


async def create_agent(client: httpx.AsyncClient) -> str:
    resp = await client.post("/v1/agents", json={"name": "bench", "model": MODEL})
    resp.raise_for_status()
    return str(resp.json()["id"])


async def create_conversation(client: httpx.AsyncClient, agent_id: str) -> str:
    resp = await client.post("/v1/conversations", params={"agent_id": agent_id}, json={})
    resp.raise_for_status()
    return str(resp.json()["id"])


async def model_round_trip(model: FakeModel, count: int = 30) -> float:
    """Median latency of one streamed request straight to the fake model (seconds)."""
    body = {"model": "gpt-4.1", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    times = []
    async with httpx.AsyncClient(base_url=model.url, timeout=30) as client:
        for _ in range(count):
            start = time.perf_counter()
            async with client.stream("POST", "/v1/chat/completions", json=body) as resp:
                async for _line in resp.aiter_lines():
                    pass
            times.append(time.perf_counter() - start)
    return statistics.median(times)


async def load_level(
    client: httpx.AsyncClient,
    server: LettaServer,
    agent_id: str,
    level: int,
    per_conv: int,
    rounds: int,
) -> dict[str, Any]:
    async def conversations(count: int) -> list[str]:
        return list(await asyncio.gather(*(create_conversation(client, agent_id) for _ in range(count))))

    warm = await conversations(level)
    await asyncio.gather(*(send(client, c, "warm-up") for c in warm), return_exceptions=True)
    latencies: list[float] = []
    rates: list[float] = []
    cpu_per_step: list[float] = []
    errors: list[str] = []

    async def worker(convs: list[str]) -> None:
        for i in range(per_conv):
            try:
                latencies.append(await send(client, convs[i // PER_CONVERSATION], f"message {i}"))
            except (httpx.HTTPError, RuntimeError) as exc:  # counted and shown, not fatal
                errors.append(f"{type(exc).__name__}: {exc}"[:300])

    for _ in range(rounds):
        # Fresh conversations of at most PER_CONVERSATION messages each, created before the clock
        # starts: short histories, so this measures concurrency, not history growth (scenario 5).
        chunks = math.ceil(per_conv / PER_CONVERSATION)
        fresh = await conversations(level * chunks)
        slots = [fresh[i * chunks : (i + 1) * chunks] for i in range(level)]
        done0, cpu0, start = len(latencies), proc_cpu(server.pid), time.perf_counter()
        await asyncio.gather(*(worker(slot) for slot in slots))
        elapsed, cpu = time.perf_counter() - start, proc_cpu(server.pid) - cpu0
        done = max(1, len(latencies) - done0)
        rates.append(done / elapsed)
        cpu_per_step.append(cpu / done * 1000)
    if not latencies:
        raise RuntimeError(f"no message went through: {errors[:3]}")
    return {
        "conversations": level,
        "steps": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "steps_per_s": statistics.median(rates),
        "steps_per_s_min": min(rates),
        "steps_per_s_max": max(rates),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "cpu_ms_per_step": statistics.median(cpu_per_step),
        "rss_mb": proc_rss_mb(server.pid)[0],
    }


async def _load(letta: Path, steps: int, rounds: int, log: Log) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeModel(0, keep=50) as model,
        LettaServer(letta, Path(tmp), model) as server,
    ):
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as client:
            agent_id = await create_agent(client)
            levels = []
            for level in LEVELS:
                per_conv = max(3, math.ceil(steps / level))
                log(f"  {level} conversation(s) x {per_conv} messages x {rounds} round(s)")
                levels.append(await load_level(client, server, agent_id, level, per_conv, rounds))
        model_ms = await model_round_trip(model) * 1000
    return {"levels": levels, "model_round_trip_ms": model_ms}


async def _soak(letta: Path, turns: int, marks: tuple[int, ...], log: Log) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeModel(0, keep=20) as model,
        LettaServer(letta, Path(tmp), model) as server,
    ):
        async with httpx.AsyncClient(base_url=server.url, timeout=300) as client:
            agent_id = await create_agent(client)
            conv = await create_conversation(client, agent_id)
            samples = []
            start = time.perf_counter()
            lat: list[float] = []
            for turn in range(1, turns + 1):
                lat.append(await send(client, conv, f"turn {turn}: note this number"))
                if turn in marks:
                    rss, peak = proc_rss_mb(server.pid)
                    recent = lat[-min(len(lat) - 1, 10) :]  # not the first turn, which opens the agent
                    samples.append(
                        {
                            "turn": turn,
                            "rss_mb": rss,
                            "peak_mb": peak,
                            "turn_ms": statistics.median(recent) * 1000,
                        }
                    )
                    log(f"  turn {turn}: RSS {rss:.0f} MB")
            elapsed = time.perf_counter() - start
        model_ms = await model_round_trip(model) * 1000
    return {"turns": turns, "samples": samples, "elapsed_s": elapsed, "model_ms": model_ms}


def _guard(coro_fn: Callable[[], Any], what: str, log: Log) -> dict[str, Any]:
    try:
        return dict(asyncio.run(coro_fn()))
    except Exception as exc:  # the server is young: report "not available", never crash the run
        log(f"  {what} not available: {exc}")
        return {"error": f"{type(exc).__name__}: {str(exc)[-600:]}"}


def server_load(letta: Path, quick: bool, log: Log) -> dict[str, Any]:
    steps, rounds = (100, 1) if quick else (300, 3)
    return _guard(lambda: _load(letta, steps, rounds, log), "letta server", log)


def soak(letta: Path, quick: bool, log: Log) -> dict[str, Any]:
    turns = 1000
    # A turn adds two messages (the user's, the answer): turn 5 is message 10, turn 500 message 1,000.
    return _guard(lambda: _soak(letta, turns, (5, 10, 100, 500, 1000), log), "1,000-turn session", log)


if __name__ == "__main__":
    result = server_load(Path(sys.executable).parent / "letta", quick=True, log=print)
    print(result)
