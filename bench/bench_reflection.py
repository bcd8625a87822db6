"""What one reflection pass costs in tokens, at the scripted model server.

Usage: python bench/bench_reflection.py [--turns 20]

Runs a session of N user turns on the embedded service (each turn: a user message of
about 200 characters, a conversation_search call with its result, and an answer of about
600 characters), then one `/reflect` pass whose model edits the project block once and
answers. Prints the tokens of each request of the pass (the scripted server counts a
request's JSON at 4 characters a token, the same count for every request here), next to
the last turn's request, which carries the whole history.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from letta_code.schemas.state import NewBlock
from letta_code.service.service import AgentService
from letta_code.testing import ModelServer, Reply
from letta_code.testing.handler import prompt_tokens

USER = "In this repository {i}: the tests run with `make check`; please look at module_{i}.py and fix the failing case."
ANSWER = (
    "I looked at module_{i}.py. "
    + "The failing case came from an off-by-one in the loop bounds; fixed and re-ran. " * 7
)


async def session(service: AgentService, server: ModelServer, agent_id: str, turns: int) -> int:
    last = 0
    for i in range(turns):
        server.script([Reply(tool_calls=[("conversation_search", {"query": f"module_{i}"})]), ANSWER.format(i=i)])
        run = service.start_run(
            agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": USER.format(i=i)}]
        )
        async for _ in service.follow_run(run.id):
            pass
        last = prompt_tokens(server.model_requests[-1])
    return last


async def main(turns: int) -> None:
    with ModelServer() as server, tempfile.TemporaryDirectory() as tmp:
        service = AgentService(Path(tmp) / "letta.db", server.env())
        agent = service.create_agent(
            name="bench",
            model="openai/gpt-4.1",
            memory_blocks=[
                NewBlock("persona", "I am a coding agent."),
                NewBlock("human", "(Nothing known.)"),
                NewBlock("project", "(Nothing known about this project yet.)"),
            ],
        )
        last_turn = await session(service, server, agent.id, turns)
        before = len(server.model_requests)
        server.script(
            [
                Reply(tool_calls=[("memory_insert", {"label": "project", "new_str": "- tests: make check"})]),
                "Recorded the test command.",
            ]
        )
        started = service.reflect(agent.id)
        assert started is not None
        async for _ in service.follow_run(started.run_id):
            pass
        pass_requests = server.model_requests[before:]
        tokens = [prompt_tokens(r) for r in pass_requests]
        print(f"session: {turns} user turns; its last request: {last_turn} prompt tokens")
        print(f"one reflection pass: {len(tokens)} requests, prompt tokens {tokens}, total {sum(tokens)}")
        print(f"reviewed {started.messages} messages ({started.user_turns} user turns)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20)
    asyncio.run(main(parser.parse_args().turns))
