"""`--system`, `--system-file` and the agent file `--import` reads: what they give, and one line
for what cannot be used (the runs themselves are in test_headless_flags.py and test_agents_cmd.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from letta_code.cli.agent_flags import AgentFlagError, read_agent_file, system_prompt
from letta_code.cli.args import parse_args


def test_the_system_prompt_from_text_or_a_file(tmp_path: Path) -> None:
    assert system_prompt(parse_args([])) is None
    assert system_prompt(parse_args(["-s", "Be brief."])) == "Be brief."
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("From a file.\n")
    assert system_prompt(parse_args(["--system-file", str(prompt)])) == "From a file.\n"
    with pytest.raises(AgentFlagError, match="cannot read"):
        system_prompt(parse_args(["--system-file", str(tmp_path / "missing.txt")]))
    with pytest.raises(AgentFlagError, match="empty"):
        system_prompt(parse_args(["--system", "  \n"]))


@pytest.mark.parametrize(("text", "error"), [("{oops", "not JSON"), ("[1, 2]", "not a JSON object")])
def test_an_agent_file_that_is_not_one(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "bad.af"
    path.write_text(text)
    with pytest.raises(AgentFlagError, match=error):
        read_agent_file(str(path))
    with pytest.raises(AgentFlagError, match="cannot read"):
        read_agent_file(str(tmp_path / "missing.af"))
    good = tmp_path / "good.af"
    good.write_text('{"agents": []}')
    assert read_agent_file(str(good)) == {"agents": []}
