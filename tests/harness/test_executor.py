"""Tool results as the executor hands them to the service (real `letta` processes)."""

from __future__ import annotations

import os

from tests.conftest import Letta
from tests.fakes.model_server import ModelServer, Reply

MODEL = ["-m", "openai/gpt-4.1", "--yolo"]


def test_a_file_name_that_is_not_utf8_reaches_the_model_as_a_replacement_character(
    letta: Letta, model_server: ModelServer
) -> None:
    # Python lists this name as "caf\udce9.txt": text that cannot be stored or sent as is.
    with open(os.path.join(os.fsencode(letta.cwd), b"caf\xe9.txt"), "wb") as handle:
        handle.write(b"x")
    model_server.script(
        [
            Reply(tool_calls=[("Bash", {"command": "ls"}), ("LS", {"path": str(letta.cwd)})]),
            Reply(text="listed"),
            Reply(text="still fine"),
        ]
    )
    first = letta.run("-p", "list the files", *MODEL)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "listed"
    results = [m for m in model_server.last_messages() if m["role"] == "tool"]
    assert len(results) == 2 and all("caf\ufffd.txt" in str(m["content"]) for m in results), results
    second = letta.run("-p", "and now?", *MODEL)  # the conversation is not poisoned
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "still fine"
