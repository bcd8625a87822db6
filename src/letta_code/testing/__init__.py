"""A deterministic model server, for tests, benchmarks and anyone who wants one.

`ModelServer` is a real HTTP server on 127.0.0.1 that speaks the OpenAI Chat
Completions and Anthropic Messages wire protocols (streaming or not) and answers
from a script of `Reply`s instead of a model, so the provider adapters, the agent
loop and the whole `letta` command run for real, offline, with no API key::

    from letta_code.testing import ModelServer, Reply

    with ModelServer() as server:
        server.script([Reply(tool_calls=[("Bash", {"command": "echo hi"})]), Reply(text="done")])
        env = server.env()  # OPENAI_*/ANTHROPIC_* pointing at it, for `letta`
        ...
        assert server.last_tools() == [...]

In its own process: `python -m letta_code.testing --port N --script replies.json
[--loop]` (`__main__.py`). The modules: `model_server.py` (the server, its script queue,
what it recorded), `script.py` (`Reply`, `RecordedRequest`), `handler.py` (routes and
streaming), `wire.py` (how a reply looks on each protocol's wire), `validate.py` (the
400s the real APIs send for malformed conversations, in strict mode).

Stdlib only: it must not import anything of ours (import-linter contract "the scripted
model server imports nothing of ours"), and nothing else in `letta_code` imports it
("nothing in the product imports the scripted model server"): the product never runs a
scripted model by accident.
"""

from letta_code.testing.model_server import ModelServer
from letta_code.testing.script import EXHAUSTED_TEXT, RecordedRequest, Reply, ReplyLike, load_script, text_of

__all__ = ["EXHAUSTED_TEXT", "ModelServer", "RecordedRequest", "Reply", "ReplyLike", "load_script", "text_of"]
