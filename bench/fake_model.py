"""The model for the side-by-side benchmarks: the scripted model server (`letta_code.testing`) in its
own process, answering from the conversation it is sent instead of from a fixed queue.

`python bench/fake_model.py --tools N` prints `model_server listening on http://127.0.0.1:PORT`.
Every chat request is answered the same way, whatever client sent it: while the conversation
holds fewer than N tool results after its last user message, the reply is one Bash call
(`echo step<k>`); then a short final text. Deciding from the request (not from a queue shared
by every run) keeps each run identical even when a client makes extra model calls of its own
or keeps a longer history, and lets many conversations run at once.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from letta_code.testing import ModelServer, RecordedRequest, Reply

FINAL_TEXT = "Done."


def tool_results_since_user(messages: list[dict[str, Any]]) -> int:
    """How many tool results follow the conversation's last user message."""
    count = 0
    for msg in reversed(messages):
        role = msg.get("role")
        if role == "user":
            break
        if role == "tool":
            count += 1
    return count


def responder(tools: int) -> Callable[[RecordedRequest], Reply]:
    def reply(req: RecordedRequest) -> Reply:
        done = tool_results_since_user(list(req.get("messages") or []))
        if done < tools:
            step = done + 1
            args = {"command": f"echo step{step}", "description": f"Print step {step}"}
            return Reply(tool_calls=[("Bash", args)])
        return Reply(text=FINAL_TEXT)

    return reply


def trim(server: ModelServer, keep: int) -> None:
    """Forget all but the newest `keep` recorded requests (long load runs would pile them up)."""
    with server._lock:
        excess = len(server.requests) - keep
        if excess > 0:
            del server.requests[:excess]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tools", type=int, default=0, help="Bash calls before the final answer")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--keep", type=int, default=1000, help="recorded requests kept (newest)")
    args = parser.parse_args(argv)
    server = ModelServer(port=args.port, loop=True)
    server.script([responder(args.tools)])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(f"model_server listening on {server.url}", flush=True)
    try:
        while not stop.wait(0.5):
            trim(server, args.keep)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
