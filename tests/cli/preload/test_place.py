"""Which runs go to a preload server, where its socket lives, and what must match."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from letta_code.cli.preload import place


@pytest.mark.parametrize(
    ("argv", "handed"),
    [
        (["-p", "hi"], True),
        (["--prompt", "hi"], True),
        (["--prompt=hi", "--yolo"], True),
        (["hi"], False),  # the terminal UI
        ([], False),
        (["--help"], False),
        (["memory", "-p", "x"], False),  # subcommands are never handed over
        (["server", "-p", "x"], False),
    ],
)
def test_only_headless_runs_are_handed_over(monkeypatch: pytest.MonkeyPatch, argv: list[str], handed: bool) -> None:
    monkeypatch.setenv("LETTA_PRELOAD", "1")
    assert place.eligible(argv) is handed


@pytest.mark.parametrize("value", ["0", "off", "false", "No"])
def test_the_off_switch(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LETTA_PRELOAD", value)
    assert not place.enabled() and not place.eligible(["-p", "hi"])


def test_only_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTA_PRELOAD", "1")
    assert place.enabled()
    monkeypatch.setattr(place.sys, "platform", "darwin")
    assert not place.enabled() and not place.eligible(["-p", "hi"])


def test_what_the_interpreter_starts_with_names_the_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONSAFEPATH", raising=False)
    before = place.socket_name()
    monkeypatch.setenv("OPENAI_BASE_URL", "http://elsewhere")  # read at run time: same server
    assert place.socket_name() == before
    monkeypatch.setenv("PYTHONSAFEPATH", "1")  # fixes the interpreter at start: another server
    assert place.socket_name() != before
    assert place.startup_env({"PYTHONX": "1", "LD_PRELOAD": "a", "LANG": "C", "HOME": "/h"}) == {
        "PYTHONX": "1",
        "LD_PRELOAD": "a",
        "LANG": "C",
    }


def test_the_folder_is_private_or_unused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    folder = Path(place.folder())
    assert folder == tmp_path / f"letta-preload-{os.getuid()}"
    assert not place.private_folder(create=False)
    assert place.private_folder(create=True)
    assert folder.stat().st_mode & 0o777 == 0o700
    folder.chmod(0o755)  # readable by others: never used
    assert not place.private_folder(create=True)
    folder.chmod(0o700)
    runtime = tmp_path / "run"
    runtime.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert place.folder() == str(runtime / "letta-preload")


def test_a_path_too_long_for_a_socket_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = tmp_path / ("x" * 100)
    deep.mkdir()
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(deep))
    assert place.socket_path() is None


def test_identity_covers_user_namespaces_and_limits() -> None:
    facts = place.identity()
    assert facts["uid"] == str(os.getuid())
    assert {"ns.mnt", "ns.pid", "ns.user", "cgroup", "RLIMIT_NOFILE"} <= set(facts)
    assert "CapEff" in facts["status"] and "VmRSS" not in facts["status"]
    assert place.identity() == facts  # stable from call to call
