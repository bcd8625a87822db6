"""The ADE's first page and a long conversation's first page, on a real `letta server`.

Usage: python bench/bench_ade.py [--agents 20] [--messages 10000] [--runs 30]

Fills a fresh database with N agents (each with a conversation) and one conversation of
M messages, starts `letta server` on it, then fetches what a browser fetches, one request
at a time over one keep-alive connection: the page and its modules for the agents list
(`/`, every `/ade/` file it imports), the API calls of that list (the agents, then each
agent's conversations), and the conversation page's first call on the long conversation
(the newest 50 messages). Reports the bytes transferred and the median and p95 of the
time to the last byte of each group, which on loopback is the server's time. Then, in
headless Chromium (Debian's `chromium`, driven by Playwright), the time from navigation to
the agents list showing every agent, and to the long conversation showing its newest
message: what a user waits for, rendering included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import _ServerProcess, clean_env
from letta_code.schemas.state import NewBlock
from letta_code.server.ade.routes import loaded_by
from letta_code.service.service import AgentService
from letta_code.service.store.models import Message, new_id, utcnow

MODEL = "openai/gpt-4.1"


class Server(_ServerProcess):
    def __init__(self, home: Path) -> None:
        env = clean_env({"HOME": str(home), "LETTA_HOME": str(home / ".letta"), "OPENAI_API_KEY": "bench"})
        letta = Path(sys.executable).parent / "letta"
        self._start([str(letta), "server", "--port", "0", "--log-level", "warning"], env=env)


def fill(home: Path, agents: int, messages: int) -> str:
    service = AgentService(home / ".letta" / "letta.db", {"OPENAI_API_KEY": "bench"})
    long_id = ""
    for i in range(agents):
        agent = service.create_agent(name=f"bench-{i}", model=MODEL, memory_blocks=[NewBlock("human", "x")])
        conv = service.create_conversation(agent.id)
        count = messages if i == 0 else 4
        rows = [
            Message(
                id=new_id("message"),
                agent_id=agent.id,
                conversation_id=conv.id,
                role="user" if n % 2 == 0 else "assistant",
                content=[{"type": "text", "text": f"message {n} " + "lorem ipsum " * 8}],
                created_at=utcnow(),
            )
            for n in range(count)
        ]
        service.conversations.add_messages(rows)
        long_id = long_id or conv.id
    return long_id


def first_page_files() -> list[str]:
    """The page and every module the agents list imports, as the browser walks them."""
    return ["/" if name == "index.html" else f"/ade/{name}" for name in loaded_by("index.html", "agents.js")]


def timed(http: httpx.Client, paths: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    size = 0
    for path in paths:
        response = http.get(path)
        response.raise_for_status()
        size += len(response.content)
    return (time.perf_counter() - start) * 1000, size


def report(name: str, samples: list[float], size: int) -> None:
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"| {name} | {size / 1024:.1f} KB | {statistics.median(samples):.1f} ms | {p95:.1f} ms |")


def in_browser(url: str, agents: int, long_id: str, runs: int) -> None:
    """Navigation to the agents list and to the long conversation, rendering included."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("\n(no chromium: 'sudo apt-get install -y chromium' for the browser rows)")
        return
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    pages = {
        f"agents list, all {agents} agents shown": ("/#/", f"table.agents tbody tr:nth-child({agents})"),
        "long conversation, newest message shown": (f"/#/conversations/{long_id}", ".transcript .msg"),
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        print("\n| in Chromium | median | p95 |\n| --- | --- | --- |")
        for name, (path, selector) in pages.items():
            samples = []
            for _ in range(runs + 1):
                page = browser.new_page()
                start = time.perf_counter()
                page.goto(url + path)
                page.wait_for_selector(selector)
                samples.append((time.perf_counter() - start) * 1000)
                page.close()
            samples = sorted(samples[1:])
            p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
            print(f"| {name} | {statistics.median(samples):.0f} ms | {p95:.0f} ms |")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        long_id = fill(home, args.agents, args.messages)
        with Server(home) as server, httpx.Client(base_url=server.url) as http:
            agents = http.get("/v1/agents?limit=1000").json()
            groups = {
                "first page: HTML, CSS and modules": first_page_files(),
                f"agents list API: /v1/agents + {len(agents)} × /v1/conversations": ["/v1/agents?limit=1000"]
                + [f"/v1/conversations?agent_id={a['id']}&limit=1000" for a in agents],
                f"newest 50 of a {args.messages:,}-message conversation": [
                    f"/v1/conversations/{long_id}/messages?limit=50&order=desc"
                ],
            }
            print(f"{os.cpu_count()} cores; {args.runs} runs after one warm-up\n")
            print("| what | transferred | median | p95 |\n| --- | --- | --- | --- |")
            for name, paths in groups.items():
                timed(http, paths)
                runs = [timed(http, paths) for _ in range(args.runs)]
                report(name, [ms for ms, _ in runs], runs[0][1])
            in_browser(server.url, len(agents), long_id, min(args.runs, 10))


if __name__ == "__main__":
    main()
